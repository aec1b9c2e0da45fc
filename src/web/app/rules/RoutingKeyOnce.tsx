import { curlSnippet } from '../../data/services';
import type { RoutingKey } from '../../data/types';
import { CodeBlock, CopyButton, Notice } from '../ui';

/** A new organization-wide routing key, shown the one time the server tells it, with where to send events. */
export function RoutingKeyOnce({ integration: i, onDone }: { integration: RoutingKey; onDone: () => void }) {
  const key = i.parameters.routing_key ?? '';
  return (
    <div className="new-key" role="region" aria-label="New routing key">
      <Notice tone="warn">
        <strong>Copy this routing key now.</strong> It is stored hashed and shown only this once.
      </Notice>
      <div className="key-line">
        <code className="key" data-testid="routing-key">
          {key}
        </code>
        <CopyButton text={key} label="Copy the routing key" />
      </div>
      <p>Send PagerDuty Events API v2 events with it to</p>
      <div className="key-line">
        <code className="key" data-testid="ingest-url">
          {i.ingest_url}
        </code>
        <CopyButton text={i.ingest_url} label="Copy the ingest URL" />
      </div>
      <p className="muted small">The router's rules pick the service of each event; what no rule takes goes where its catch-all says.</p>
      <CodeBlock label="Send a test event with curl" code={curlSnippet(new URL(i.ingest_url).origin, key)} />
      <button type="button" className="btn btn-secondary" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
