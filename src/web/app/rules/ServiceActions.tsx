import { cleanActions, keptActions, outcomeOf, templateOf, withOutcome, withTemplate, type FieldErrors, type Outcome } from '../../data/rule-draft';
import type { Ref, RuleActions } from '../../data/types';
import { Field } from '../ui';
import { named } from './named';

const OUTCOME_HINT: Record<Outcome, string> = {
  open: 'The event opens an incident (or joins the open one with its dedup key), and people are paged as the service says.',
  suppress: 'The alert is stored and shown, but opens no incident and pages nobody.',
  drop: 'The event is counted and nothing is stored.',
};

/**
 * What a service rule (or the service's catch-all) does to an event, as a form: open an
 * incident, suppress or drop it; pause notifications; set severity, urgency, priority;
 * add a note; rewrite the title and dedup key from templates; continue in another set.
 * Actions the form does not show are kept and said to be.
 */
export function ServiceActions({
  actions: a,
  onChange,
  where,
  errorKey,
  errors,
  priorities,
  setId,
  setIds,
}: {
  actions: RuleActions;
  onChange: (a: RuleActions) => void;
  where: string;
  errorKey: string;
  errors: FieldErrors;
  /** null: this server has no priorities list. */
  priorities: Ref[] | null | undefined;
  /** The set this rule is in, and every set's id (route_to); null for the catch-all. */
  setId: string | null;
  setIds: string[];
}) {
  const set = (next: RuleActions) => onChange(cleanActions(next));
  const err = (part: string) => errors[`${errorKey}.${part}`];
  const id = (part: string) => `${errorKey}-${part}`.replace(/\./g, '-');
  const kept = keptActions(a);
  const pause = a.suspend ? String(Math.round((a.suspend / 60) * 100) / 100) : '';
  const otherSets = setId === null ? [] : setIds.filter((s) => s !== setId);
  return (
    <>
      <Field label={named('Outcome', where)} id={id('outcome')} hint={OUTCOME_HINT[outcomeOf(a)]} error={err('outcome')}>
        {(fid, d, bad) => (
          <select id={fid} className="outcome" aria-describedby={d} aria-invalid={bad || undefined} value={outcomeOf(a)} onChange={(e) => set(withOutcome(a, e.target.value as Outcome))}>
            <option value="open">Open an incident</option>
            <option value="suppress">Suppress</option>
            <option value="drop">Drop</option>
          </select>
        )}
      </Field>
      <div className="row-form">
        <Field label={named('Pause notifications (min)', where)} id={id('suspend')} error={err('suspend')}>
          {(fid, d, bad) => (
            <input
              id={fid}
              aria-describedby={d}
              aria-invalid={bad || undefined}
              type="number"
              inputMode="numeric"
              min={0}
              max={1440}
              step={1}
              placeholder="No pause"
              value={pause}
              onChange={(e) => set({ ...a, suspend: e.target.value === '' ? undefined : Math.round(Number(e.target.value) * 60) })}
            />
          )}
        </Field>
        <Field label={named('Severity', where)} id={id('severity')} error={err('severity')}>
          {(fid, d, bad) => (
            <select id={fid} aria-describedby={d} aria-invalid={bad || undefined} value={a.severity ?? ''} onChange={(e) => set({ ...a, severity: (e.target.value || undefined) as RuleActions['severity'] })}>
              <option value="">As sent</option>
              <option value="critical">Critical</option>
              <option value="error">Error</option>
              <option value="warning">Warning</option>
              <option value="info">Info</option>
            </select>
          )}
        </Field>
        <Field label={named('Urgency', where)} id={id('urgency')} error={err('urgency')}>
          {(fid, d, bad) => (
            <select id={fid} aria-describedby={d} aria-invalid={bad || undefined} value={a.urgency ?? ''} onChange={(e) => set({ ...a, urgency: (e.target.value || undefined) as RuleActions['urgency'] })}>
              <option value="">Default</option>
              <option value="high">High</option>
              <option value="low">Low</option>
            </select>
          )}
        </Field>
        {(priorities || a.priority) && (
          <Field label={named('Priority', where)} id={id('priority')} error={err('priority')}>
            {(fid, d, bad) => (
              <select id={fid} aria-describedby={d} aria-invalid={bad || undefined} value={a.priority ?? ''} onChange={(e) => set({ ...a, priority: e.target.value || undefined })}>
                <option value="">None</option>
                {(priorities ?? []).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.summary ?? p.id}
                  </option>
                ))}
                {a.priority && !(priorities ?? []).some((p) => p.id === a.priority) && <option value={a.priority}>{a.priority}</option>}
              </select>
            )}
          </Field>
        )}
        {otherSets.length > 0 && (
          <Field label={named('Then', where)} id={id('route_to')} error={err('route_to')}>
            {(fid, d, bad) => (
              <select id={fid} aria-describedby={d} aria-invalid={bad || undefined} value={a.route_to ?? ''} onChange={(e) => set({ ...a, route_to: e.target.value || undefined })}>
                <option value="">Stop here</option>
                {otherSets.map((s) => (
                  <option key={s} value={s}>
                    Go on to set {s}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </div>
      <Field label={named('Add a note', where)} id={id('annotate')} hint="On the incident. May use {{event.summary}}, {{event.custom_details.region}}…" error={err('annotate')}>
        {(fid, d, bad) => <input id={fid} aria-describedby={d} aria-invalid={bad || undefined} maxLength={2048} value={a.annotate ?? ''} onChange={(e) => set({ ...a, annotate: e.target.value })} />}
      </Field>
      <div className="row-form">
        <Field label={named('Set the title', where)} id={id('title')} hint="A template; empty: the summary as sent." error={err('title')}>
          {(fid, d, bad) => (
            <input
              id={fid}
              className="pcl"
              aria-describedby={d}
              aria-invalid={bad || undefined}
              placeholder="[{{event.custom_details.region}}] {{event.summary}}"
              value={templateOf(a, 'event.summary')}
              onChange={(e) => set(withTemplate(a, 'event.summary', e.target.value))}
            />
          )}
        </Field>
        <Field label={named('Set the dedup key', where)} id={id('dedup')} hint="A template; empty: the key as sent." error={err('dedup')}>
          {(fid, d, bad) => (
            <input
              id={fid}
              className="pcl"
              aria-describedby={d}
              aria-invalid={bad || undefined}
              placeholder="{{event.source}}-disk"
              value={templateOf(a, 'event.dedup_key')}
              onChange={(e) => set(withTemplate(a, 'event.dedup_key', e.target.value))}
            />
          )}
        </Field>
      </div>
      {kept.length > 0 && <p className="muted small">Also kept as they are: {kept.join(', ')} (edit them through the API).</p>}
    </>
  );
}
