import { cleanActions, keptActions, outcomeOf, templateOf, withOutcome, withTemplate, type FieldErrors, type Outcome } from '../../data/rule-draft';
import type { Ref, RuleActions } from '../../data/types';
import { Field } from '../ui';
import { named } from './named';
import { msg } from '../../i18n';

const OUTCOME_HINT: Record<Outcome, string> = {
  get open() { return msg('rules.serviceActions.the_event_opens_an_incident_or'); },
  get suppress() { return msg('rules.serviceActions.the_alert_is_stored_and_shown'); },
  get drop() { return msg('rules.serviceActions.the_event_is_counted_and_nothing'); },
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
            <option value="open">{msg('rules.serviceActions.open_an_incident')}</option>
            <option value="suppress">{msg('rules.serviceActions.suppress')}</option>
            <option value="drop">{msg('rules.serviceActions.drop')}</option>
          </select>
        )}
      </Field>
      <div className="row-form">
        <Field label={named(msg('rules.serviceActions.pause_notifications_min'), where)} id={id('suspend')} error={err('suspend')}>
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
              placeholder={msg('rules.serviceActions.no_pause')}
              value={pause}
              onChange={(e) => set({ ...a, suspend: e.target.value === '' ? undefined : Math.round(Number(e.target.value) * 60) })}
            />
          )}
        </Field>
        <Field label={named('Severity', where)} id={id('severity')} error={err('severity')}>
          {(fid, d, bad) => (
            <select id={fid} aria-describedby={d} aria-invalid={bad || undefined} value={a.severity ?? ''} onChange={(e) => set({ ...a, severity: (e.target.value || undefined) as RuleActions['severity'] })}>
              <option value="">{msg('rules.serviceActions.as_sent')}</option>
              <option value="critical">{msg('rules.serviceActions.critical')}</option>
              <option value="error">{msg('rules.serviceActions.error')}</option>
              <option value="warning">{msg('rules.serviceActions.warning')}</option>
              <option value="info">{msg('rules.serviceActions.info')}</option>
            </select>
          )}
        </Field>
        <Field label={named('Urgency', where)} id={id('urgency')} error={err('urgency')}>
          {(fid, d, bad) => (
            <select id={fid} aria-describedby={d} aria-invalid={bad || undefined} value={a.urgency ?? ''} onChange={(e) => set({ ...a, urgency: (e.target.value || undefined) as RuleActions['urgency'] })}>
              <option value="">{msg('rules.serviceActions.default')}</option>
              <option value="high">{msg('rules.serviceActions.high')}</option>
              <option value="low">{msg('rules.serviceActions.low')}</option>
            </select>
          )}
        </Field>
        {(priorities || a.priority) && (
          <Field label={named('Priority', where)} id={id('priority')} error={err('priority')}>
            {(fid, d, bad) => (
              <select id={fid} aria-describedby={d} aria-invalid={bad || undefined} value={a.priority ?? ''} onChange={(e) => set({ ...a, priority: e.target.value || undefined })}>
                <option value="">{msg('rules.serviceActions.none')}</option>
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
                <option value="">{msg('rules.serviceActions.stop_here')}</option>
                {otherSets.map((s) => (
                  <option key={s} value={s}>{msg('rules.serviceActions.go_on_to_set')}{' '}{s}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </div>
      <Field label={named(msg('rules.serviceActions.add_a_note'), where)} id={id('annotate')} hint={msg('rules.serviceActions.on_the_incident_may_use_event')} error={err('annotate')}>
        {(fid, d, bad) => <input id={fid} aria-describedby={d} aria-invalid={bad || undefined} maxLength={2048} value={a.annotate ?? ''} onChange={(e) => set({ ...a, annotate: e.target.value })} />}
      </Field>
      <div className="row-form">
        <Field label={named(msg('rules.serviceActions.set_the_title'), where)} id={id('title')} hint={msg('rules.serviceActions.a_template_empty_the_summary_as')} error={err('title')}>
          {(fid, d, bad) => (
            <input
              id={fid}
              className="pcl"
              aria-describedby={d}
              aria-invalid={bad || undefined}
              placeholder={msg('rules.serviceActions.event_custom_details_region_event_summary')}
              value={templateOf(a, 'event.summary')}
              onChange={(e) => set(withTemplate(a, 'event.summary', e.target.value))}
            />
          )}
        </Field>
        <Field label={named(msg('rules.serviceActions.set_the_dedup_key'), where)} id={id('dedup')} hint={msg('rules.serviceActions.a_template_empty_the_key_as')} error={err('dedup')}>
          {(fid, d, bad) => (
            <input
              id={fid}
              className="pcl"
              aria-describedby={d}
              aria-invalid={bad || undefined}
              placeholder={msg('rules.serviceActions.event_source_disk')}
              value={templateOf(a, 'event.dedup_key')}
              onChange={(e) => set(withTemplate(a, 'event.dedup_key', e.target.value))}
            />
          )}
        </Field>
      </div>
      {kept.length > 0 && <p className="muted small">{msg('rules.serviceActions.also_kept_as_they_are')}{' '}{kept.join(', ')}{' '}{msg('rules.serviceActions.edit_them_through_the_api')}</p>}
    </>
  );
}
