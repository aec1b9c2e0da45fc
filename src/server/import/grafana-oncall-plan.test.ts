import { describe, expect, it } from 'vitest';
import { planChain, planSchedules, planServices, planUsers, tokenOf, type GocShift } from './grafana-oncall-plan.js';

const users = new Set(['U1', 'U2', 'U3']);
const shift = (over: Partial<GocShift>): GocShift => ({ id: 'O1', name: 'S', type: 'rolling_users', level: 0, start: '2026-03-02T09:00:00', duration: 3600, frequency: 'daily', interval: 1, rolling_users: [['U1'], ['U2']], ...over });
const schedule = (shifts: GocShift[]) => [{ id: 'S1', name: 'Sched', type: 'web', time_zone: 'UTC', on_call_shifts: shifts }];

describe('Grafana OnCall plan', () => {
  it('reads the token of an OnCall integration URL', () => {
    expect(tokenOf('https://o.example/integrations/v1/alertmanager/mReAoNwDm0eMwKo1mTeTwYo/')).toBe('mReAoNwDm0eMwKo1mTeTwYo');
    expect(tokenOf('https://o.example/oncall/integrations/v1/webhook/abc123/')).toBe('abc123');
    expect(tokenOf(null)).toBeNull();
    expect(tokenOf('https://o.example/elsewhere')).toBeNull();
  });

  it('reports shifts it cannot represent and keeps the rest', () => {
    const notes: string[] = [];
    const [s] = planSchedules(
      schedule([
        shift({ id: 'M', name: 'Monthly', frequency: 'monthly' }),
        shift({ id: 'I2', name: 'Every other day', interval: 2 }),
        shift({ id: 'H', name: 'Hourly', frequency: 'hourly', interval: 4, duration: 3600 }),
        shift({ id: 'X', name: 'Unknown people', rolling_users: [['U9']] }),
        shift({ id: 'OV', name: 'Pair override', type: 'override', rolling_users: [['U1', 'U2']] }),
      ]),
      users,
      notes,
    );
    expect(s!.layers.map((l) => [l.sourceId, l.turn])).toEqual([
      ['I2', { unit: 'days', count: 2 }],
      ['H', { unit: 'hours', count: 4 }],
    ]);
    expect(s!.overrides).toEqual([]);
    const text = notes.join('\n');
    expect(text).toContain('shift Monthly: frequency monthly not mapped');
    expect(text).toContain("shift Every other day: every 2 days with 3600 s events: Vigil's window repeats each day of the 2-days turn");
    expect(text).toContain("shift Hourly: an hourly shift's duration or by_day is not mapped");
    expect(text).toContain('shift Unknown people: nobody to put on call, not imported');
    expect(text).toContain('override Pair override for 2 people not mapped');
    expect(text).toContain('schedule Sched: 2 shifts on level 0');
  });

  it('anchors the rotation one turn back per start_rotation_from_user_index, in the shift zone', () => {
    const [s] = planSchedules(schedule([shift({ frequency: 'weekly', time_zone: 'Asia/Kolkata', start_rotation_from_user_index: 1, by_day: ['MO', 'WE'] })]), users, []);
    expect(s!.layers[0]).toMatchObject({
      start: '2026-03-02T09:00:00.000+05:30',
      rotationVirtualStart: '2026-02-23T09:00:00.000+05:30',
      restrictions: [
        { type: 'weekly_restriction', start_day_of_week: 1, start_time_of_day: '09:00:00', duration_seconds: 3600 },
        { type: 'weekly_restriction', start_day_of_week: 3, start_time_of_day: '09:00:00', duration_seconds: 3600 },
      ],
    });
  });

  it('turns waits into the time spent on the rule before, merges notify steps without a wait, and drops what follows repeat', () => {
    const notes: string[] = [];
    const p = planChain(
      { id: 'C', name: 'Chain' },
      [
        { id: 'a', escalation_chain_id: 'C', position: 0, type: 'notify_persons', persons_to_notify: ['U1'] },
        { id: 'b', escalation_chain_id: 'C', position: 1, type: 'notify_on_call_from_schedule', notify_on_call_from_schedule: 'S1' },
        { id: 'c', escalation_chain_id: 'C', position: 2, type: 'wait', duration: 90 },
        { id: 'd', escalation_chain_id: 'C', position: 3, type: 'notify_persons', persons_to_notify: ['U2', 'U9'] },
        { id: 'e', escalation_chain_id: 'C', position: 4, type: 'repeat_escalation' },
        { id: 'f', escalation_chain_id: 'C', position: 5, type: 'notify_persons', persons_to_notify: ['U3'] },
      ],
      users,
      new Set(['S1']),
      notes,
    );
    expect(p).toEqual({
      sourceId: 'C',
      name: 'Chain',
      numLoops: 5,
      rules: [
        { delayMinutes: 2, targets: [{ type: 'user', sourceId: 'U1' }, { type: 'schedule', sourceId: 'S1' }] },
        { delayMinutes: 30, targets: [{ type: 'user', sourceId: 'U2' }] },
      ],
      teamSourceId: null,
    });
    expect(notes).toContain('escalation chain Chain step 4: unknown user U9 not mapped');
    expect(notes).toContain('escalation chain Chain step 5: steps after repeat_escalation are never reached in OnCall, not mapped');
    expect(planChain({ id: 'D', name: 'Only Slack' }, [{ id: 'x', escalation_chain_id: 'D', position: 0, type: 'notify_whole_channel' }], users, new Set(), notes)).toBeNull();
    expect(notes).toContain('escalation chain Only Slack: no step could be mapped, not imported');
  });

  it('keeps only Alertmanager URLs; other types get a new key with what to change', () => {
    const notes: string[] = [];
    const out = planServices(
      {
        integrations: [
          { id: 'A', name: 'AM', type: 'alertmanager', link: 'https://o/integrations/v1/alertmanager/abcdefghijklmnopqrstuvw/', default_route: { id: 'r', escalation_chain_id: 'gone' } },
          { id: 'W', name: 'Hook', type: 'webhook', link: 'https://o/integrations/v1/webhook/abcdefghijklmnopqrstuvw/', default_route: null },
        ],
      },
      new Set(),
      notes,
    );
    expect(out.map((s) => [s.name, s.move.kind, s.policySourceId])).toEqual([
      ['AM', 'kept_url', null],
      ['Hook', 'new_key', null],
    ]);
    expect(notes).toContain('integration AM: default route to escalation chain gone, which was not imported; its service gets no escalation policy');
    expect(notes.join('\n')).toContain('integration Hook: type webhook: its OnCall URL does not carry over; send PagerDuty Events API v2 to https://<vigil>/v2/enqueue');
  });

  it('maps roles and e-mail rules, and reports users without an e-mail', () => {
    const notes: string[] = [];
    const out = planUsers(
      [
        { id: 'U1', email: 'A@Example.com', username: 'a', role: 'admin', timezone: 'Mars/Olympus' },
        { id: 'U2', email: '', username: 'ghost', role: 'user' },
      ],
      [
        { id: 'n1', user_id: 'U1', type: 'notify_by_email', position: 0 },
        { id: 'n2', user_id: 'U1', type: 'notify_by_email', position: 0, important: true },
      ],
      notes,
    );
    expect(out).toEqual([{ sourceId: 'U1', email: 'a@example.com', name: 'a', role: 'admin', timeZone: null, contacts: [{ type: 'email', address: 'a@example.com' }] }]);
    expect(notes).toContain('user ghost: no e-mail, not imported');
    expect(notes).toContain('user a@example.com: time zone Mars/Olympus is not an IANA zone, left unset');
  });
});
