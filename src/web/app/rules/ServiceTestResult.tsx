import { describeMatches, describeOutcome } from '../../data/rule-draft';
import type { ServiceTestResult as Result } from '../../data/types';
import { Notice } from '../ui';
import { msg } from '../../i18n';

/** A service rules test in plain words: which rule matched, what happens, and the event as it comes out. */
export function ServiceTestResult({ result: r, stale }: { result: Result; stale: boolean }) {
  const [decisive, ...more] = describeOutcome(r);
  const p = r.event.payload;
  const tone = r.actions.drop_event || r.actions.suppress ? 'quiet' : 'pages';
  return (
    <div className="test-result" role="group" aria-labelledby="result-h">
      <h3 id="result-h">{msg('rules.serviceTestResult.result')}</h3>
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
      <h4>{msg('rules.serviceTestResult.the_event_after_the_rules')}</h4>
      <dl className="facts result-event">
        <div>
          <dt>{msg('rules.serviceTestResult.title')}</dt>
          <dd>{p.summary}</dd>
        </div>
        <div>
          <dt>{msg('rules.serviceTestResult.dedup_key')}</dt>
          <dd>{r.event.dedup_key ?? <span className="muted">{msg('rules.serviceTestResult.none_sent_vigil_makes_one')}</span>}</dd>
        </div>
        <div>
          <dt>{msg('rules.serviceTestResult.severity')}</dt>
          <dd className="cap">{r.actions.severity ?? p.severity}</dd>
        </div>
      </dl>
      {!r.active && <Notice tone="warn">{msg('rules.serviceTestResult.these_rules_are_off_incoming_events')}</Notice>}
      {stale && <p className="muted small">{msg('rules.serviceTestResult.the_rules_changed_since_this_test')}</p>}
    </div>
  );
}
