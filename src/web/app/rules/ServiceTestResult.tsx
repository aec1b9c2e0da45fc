import { describeMatches, describeOutcome } from '../../data/rule-draft';
import type { ServiceTestResult as Result } from '../../data/types';
import { Notice } from '../ui';

/** A service rules test in plain words: which rule matched, what happens, and the event as it comes out. */
export function ServiceTestResult({ result: r, stale }: { result: Result; stale: boolean }) {
  const [decisive, ...more] = describeOutcome(r);
  const p = r.event.payload;
  const tone = r.actions.drop_event || r.actions.suppress ? 'quiet' : 'pages';
  return (
    <div className="test-result" role="group" aria-labelledby="result-h">
      <h3 id="result-h">Result</h3>
      <ul className="plain matched">
        {describeMatches(r.matched).map((m, i) => (
          <li key={i}>{m}</li>
        ))}
      </ul>
      <p className={`verdict verdict-${tone}`}>{decisive}</p>
      {more.length > 0 && (
        <ul className="outcome">
          {more.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      <h4>The event after the rules</h4>
      <dl className="facts result-event">
        <div>
          <dt>Title</dt>
          <dd>{p.summary}</dd>
        </div>
        <div>
          <dt>Dedup key</dt>
          <dd>{r.event.dedup_key ?? <span className="muted">none sent: Vigil makes one</span>}</dd>
        </div>
        <div>
          <dt>Severity</dt>
          <dd className="cap">{r.actions.severity ?? p.severity}</dd>
        </div>
      </dl>
      {!r.active && <Notice tone="warn">These rules are off: incoming events do not go through them until you turn them on.</Notice>}
      {stale && <p className="muted small">The rules changed since this test: test again to see their effect.</p>}
    </div>
  );
}
