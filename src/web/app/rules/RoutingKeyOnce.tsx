import { curlSnippet } from '../../data/services';
import type { RoutingKey } from '../../data/types';
import { CodeBlock, CopyButton, Notice } from '../ui';
import { msg } from '../../i18n';

/** A new organization-wide routing key, shown the one time the server tells it, with where to send events. */
export function RoutingKeyOnce({ integration: i, onDone }: { integration: RoutingKey; onDone: () => void }) {
  const key = i.parameters.routing_key ?? '';
  return (
    <div className="new-key" role="region" aria-label={msg('rules.routingKeyOnce.new_routing_key')}>
      <Notice tone="warn">
        <strong>{msg('rules.routingKeyOnce.copy_this_routing_key_now')}</strong>{' '}{msg('rules.routingKeyOnce.it_is_stored_hashed_and_shown')}</Notice>
      <div className="key-line">
        <code className="key" data-testid="routing-key">
          {key}
        </code>
        <CopyButton text={key} label={msg('rules.routingKeyOnce.copy_the_routing_key')} />
      </div>
      <p>{msg('rules.routingKeyOnce.send_pagerduty_events_api_v2_events')}</p>
      <div className="key-line">
        <code className="key" data-testid="ingest-url">
          {i.ingest_url}
        </code>
        <CopyButton text={i.ingest_url} label={msg('rules.routingKeyOnce.copy_the_ingest_url')} />
      </div>
      <p className="muted small">{msg('rules.routingKeyOnce.the_router_s_rules_pick_the')}</p>
      <CodeBlock label={msg('rules.routingKeyOnce.send_a_test_event_with_curl')} code={curlSnippet(new URL(i.ingest_url).origin, key)} />
      <button type="button" className="btn btn-secondary" onClick={onDone}>{msg('rules.routingKeyOnce.i_have_copied_it')}</button>
    </div>
  );
}
