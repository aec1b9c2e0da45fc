import { iso } from '../../lib/clock.js';
import type { CalendarFeedTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';

/** A calendar feed as created: its secret URL is shown this once. */
export function presentCalendarFeed(p: BasePresenter, feed: CalendarFeedTable, token: string, targetName: string) {
  return {
    id: feed.id,
    type: 'calendar_feed' as const,
    kind: feed.kind,
    target: p.ref(feed.kind === 'schedule' ? 'schedule_reference' : 'user_reference', feed.target_id, targetName, feed.kind === 'schedule' ? 'schedules' : 'users'),
    url: `${p.baseUrl}/calendar/${token}.ics`,
    created_at: iso(feed.created_at),
  };
}
