import { useState, type ReactNode } from 'react';
import { parseSample, SAMPLE_EVENT } from '../../data/rule-draft';
import type { SampleEvent } from '../../data/types';
import { Field } from '../ui';
import { msg } from '../../i18n';

/**
 * "Test against a sample event": a PagerDuty Events API v2 event typed as JSON (and,
 * for time conditions, an instant to evaluate at), sent with the rules as they are on
 * screen, saved or not. `test` throws the server's refusal; `explain` says which of its
 * messages were not already shown next to a rule, and those appear under the event.
 */
export function SampleEventBox({
  heading,
  test,
  explain,
  children,
}: {
  heading: string;
  test: (event: SampleEvent, now: string | undefined) => Promise<void>;
  explain: (e: unknown) => string[];
  /** The result, once there is one. */
  children: ReactNode;
}) {
  const [text, setText] = useState(SAMPLE_EVENT);
  const [at, setAt] = useState('');
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const run = async () => {
    const parsed = parseSample(text);
    if (!parsed.ok) return setProblems([parsed.error]);
    setBusy(true);
    setProblems([]);
    try {
      await test(parsed.event, at ? new Date(at).toISOString() : undefined);
    } catch (e) {
      setProblems(explain(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card test-box" aria-labelledby="test-h">
      <h2 id="test-h">{heading}</h2>
      <p className="muted small">{msg('rules.sampleEventBox.tries_the_rules_as_they_are')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <Field label={msg('rules.sampleEventBox.sample_event_events_api_v2_json')} error={problems}>
          {(id, d, bad) => (
            <textarea id={id} className="pcl" rows={12} spellCheck={false} aria-describedby={d} aria-invalid={bad || undefined} value={text} onChange={(e) => setText(e.target.value)} />
          )}
        </Field>
        <Field label={msg('rules.sampleEventBox.evaluate_at_optional')} hint={msg('rules.sampleEventBox.for_time_conditions_empty_now_your')}>
          {(id, d) => <input id={id} type="datetime-local" aria-describedby={d} value={at} onChange={(e) => setAt(e.target.value)} />}
        </Field>
        <div className="row-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>{msg('rules.sampleEventBox.test')}</button>
          <button type="button" className="btn btn-quiet" onClick={() => (setText(SAMPLE_EVENT), setProblems([]))}>{msg('rules.sampleEventBox.reset_the_sample')}</button>
        </div>
      </form>
      <div className="test-result-live" role="status" aria-live="polite">
        {children}
      </div>
    </section>
  );
}
