import { useState } from 'react';
import { useAsync } from '../../data/hooks';
import { getPagingPath, samplePagingPath, type EventRulesVerdict, type PagingPath, type PagingSample } from '../../data/paging';
import { getService } from '../../data/services';
import { Link } from '../router';
import { ErrorBox, Field, Loading, Notice, PageHeader, UrgencyBadge } from '../ui';
import { ServiceTabs } from './ServiceTabs';
import { fmtLocal, msg } from '../../i18n';

/** 'YYYY-MM-DDTHH:mm' in the browser's zone, what <input type="datetime-local"> holds. */
function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const when = (iso: string) => fmtLocal(iso, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/** /services/:id/paging: "Who gets paged?" at a chosen moment, level by level, with every gap. */
export function ServicePaging({ id }: { id: string }) {
  const svc = useAsync(() => getService(id), [id]);
  const [moment, setMoment] = useState(() => toLocalInput(new Date()));
  const [urgency, setUrgency] = useState<'' | 'high' | 'low'>('');
  const at = moment ? new Date(moment).toISOString() : undefined;
  const path = useAsync(() => getPagingPath(id, { ...(at ? { at } : {}), ...(urgency ? { urgency } : {}) }), [id, at, urgency]);
  const [sampled, setSampled] = useState<Sampled | null>(null);

  if (svc.error) return <ErrorBox error={svc.error} />;
  if (!svc.data) return <Loading what={msg('services.servicePaging.the_service')} />;
  const s = svc.data;
  const p = path.data;
  return (
    <>
      <p className="crumbs">
        <Link to="/services">{msg('services.servicePaging.services')}</Link> › <Link to={`/services/${encodeURIComponent(s.id)}`}>{s.name}</Link>
      </p>
      <PageHeader title={msg('services.servicePaging.who_gets_paged', { name: s.name })} />
      <ServiceTabs id={s.id} current="paging" />
      <p className="lede">{msg('services.servicePaging.pick_a_moment_sunday_03_00')}</p>
      <form className="inline-form" onSubmit={(e) => e.preventDefault()}>
        <Field label={msg('services.servicePaging.at')}>{(fid) => <input id={fid} type="datetime-local" value={moment} onChange={(e) => setMoment(e.target.value)} />}</Field>
        <Field label={msg('services.servicePaging.urgency')}>
          {(fid) => (
            <select id={fid} value={urgency} onChange={(e) => setUrgency(e.target.value as '' | 'high' | 'low')}>
              <option value="">{msg('services.servicePaging.as_the_service_decides_then_critical')}</option>
              <option value="high">{msg('services.servicePaging.high')}</option>
              <option value="low">{msg('services.servicePaging.low')}</option>
            </select>
          )}
        </Field>
      </form>
      {path.error && <ErrorBox error={path.error} />}
      {!p && !path.error && <Loading what={msg('services.servicePaging.the_paging_path')} />}
      <SampleBox id={id} at={at} urgency={urgency} onResult={setSampled} />
      {sampled ? (
        <>
          <Verdict v={sampled.event_rules} />
          {sampled.paging_path && <PathView p={sampled.paging_path} />}
        </>
      ) : (
        <>
          {path.error && <ErrorBox error={path.error} />}
          {!p && !path.error && <Loading what={msg('services.servicePaging.the_paging_path')} />}
          {p && <PathView p={p} />}
        </>
      )}
    </>
  );
}

const OUTCOME: Record<EventRulesVerdict['outcome'], string> = {
  get triggers() { return msg('services.servicePaging.opens_or_joins_an_incident_and'); },
  get paused() { return msg('services.servicePaging.is_paused_by_a_rule_then'); },
  get suppressed() { return msg('services.servicePaging.is_suppressed_by_a_rule_stored'); },
  get dropped() { return msg('services.servicePaging.is_dropped_by_a_rule_nothing'); },
  get unrouted() { return msg('services.servicePaging.matches_no_router_rule_kept_suppressed'); },
  get resolves() { return msg('services.servicePaging.resolves_the_alert_with_its_dedup'); },
};

/** What the event rules did to the sample. */
function Verdict({ v }: { v: EventRulesVerdict }) {
  return (
    <Notice tone={v.outcome === 'triggers' || v.outcome === 'paused' ? 'ok' : 'warn'}>
      <strong>{msg('services.servicePaging.the_sample')}{' '}{OUTCOME[v.outcome]}.</strong>
      <ul>
        {v.routed_by && <li>{msg('services.servicePaging.routed_by')}{' '}{v.routed_by.summary ?? v.routed_by.id}{' '}{msg('services.servicePaging.to')}{' '}{v.service ? v.service.summary : msg('services.servicePaging.no_service')}</li>}
        {v.paused_for_seconds ? <li>{msg('services.servicePaging.paused_for')}{' '}{v.paused_for_seconds} s</li> : null}
        {v.urgency && <li>{msg('services.servicePaging.a_rule_sets')}{' '}{v.urgency}{' '}{msg('services.servicePaging.urgency_2')}</li>}
        {v.priority && <li>{msg('services.servicePaging.priority')}{' '}{v.priority.summary ?? v.priority.id}</li>}
        {v.severity && <li>{msg('services.servicePaging.severity')}{' '}{v.severity}</li>}
        {v.matched.length > 0 && <li>{msg('services.servicePaging.rules')}{' '}{v.matched.map((m) => (m.catch_all ? 'catch-all' : (m.label ?? m.rule_id))).join(' → ')}</li>}
      </ul>
    </Notice>
  );
}

const EXAMPLE = JSON.stringify({ payload: { summary: 'Chat queue over 20 minutes', source: 'monitoring', severity: 'critical', custom_details: {} }, dedup_key: 'sample' }, null, 2);

/** A sample event (Events API v2) to run through the event rules first; Clear goes back to the plain path. */
function SampleBox({ id, at, urgency, onResult }: { id: string; at: string | undefined; urgency: '' | 'high' | 'low'; onResult: (r: Sampled | null) => void }) {
  const [text, setText] = useState(EXAMPLE);
  const [orch, setOrch] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const run = async () => {
    setError(null);
    let event: PagingSample['sample_event'];
    try {
      event = JSON.parse(text) as PagingSample['sample_event'];
    } catch {
      return setError(new Error(msg('services.servicePaging.the_sample_event_is_not_valid')));
    }
    try {
      onResult(await samplePagingPath(id, { sample_event: event, ...(orch.trim() ? { event_orchestration: { id: orch.trim() } } : {}), ...(at ? { at } : {}), ...(urgency ? { urgency } : {}) }));
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  };
  return (
    <details className="sample-event">
      <summary>{msg('services.servicePaging.with_a_sample_event_through_the')}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <Field label={msg('services.servicePaging.sample_event_pagerduty_events_api_v2')}>{(fid) => <textarea id={fid} rows={8} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />}</Field>
        <Field label={msg('services.servicePaging.through_the_router_of_event_orchestration')}>{(fid) => <input id={fid} value={orch} onChange={(e) => setOrch(e.target.value)} />}</Field>
        <button type="submit">{msg('services.servicePaging.run_the_sample')}</button>{' '}
        <button type="button" onClick={() => onResult(null)}>{msg('services.servicePaging.clear')}</button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
    </details>
  );
}

type Sampled = { event_rules: EventRulesVerdict; paging_path: PagingPath | null };

/** The levels, people and gaps of one paging path. */
function PathView({ p }: { p: PagingPath }) {
  return (
    <section aria-live="polite" aria-label={msg('services.servicePaging.paging_path')}>
      <p>{msg('services.servicePaging.at')}{' '}{when(p.at)}{' '}{msg('services.servicePaging.an_alert_would_be')}{' '}<UrgencyBadge urgency={p.urgency} />{' '}{msg('services.servicePaging.urgency_2')}{p.escalation_policy ? (
          <>
            {' '}{msg('services.servicePaging.and_follow')}{' '}<Link to={`/escalation_policies/${encodeURIComponent(p.escalation_policy.id)}`}>{p.escalation_policy.summary}</Link>
            {p.num_loops ? msg('services.servicePaging.repeating_time', { num_loops: p.num_loops }) : ''}.
          </>
        ) : (
          '.'
        )}
      </p>
      {p.gaps.length > 0 ? (
        <Notice tone="warn">
          <strong>{msg('services.servicePaging.gaps_at_that_moment')}</strong>
          <ul>
            {p.gaps.map((g) => (
              <li key={g}>{g}</li>
            ))}
          </ul>
        </Notice>
      ) : (
        <Notice tone="ok">{msg('services.servicePaging.no_gaps_every_level_reaches_someone')}</Notice>
      )}
      <ol className="paging-levels">
        {p.levels.map((l) => (
          <li key={l.level}>
            <h3>{msg('services.servicePaging.level')}{' '}{l.level} · {when(l.fires_at)}
              {l.escalation_delay_in_minutes ? msg('services.servicePaging.next_level_after_min', { escalation_delay_in_minutes: l.escalation_delay_in_minutes }) : ''}
            </h3>
            {l.people.length === 0 ? (
              <p>{msg('services.servicePaging.nobody')}</p>
            ) : (
              <ul>
                {l.people.map((person) => (
                  <li key={person.user.id}>
                    <Link to={`/users/${encodeURIComponent(person.user.id)}`}>{person.user.summary}</Link> <span className="muted">({person.via})</span>
                    {person.problem ? (
                      <span className="field-error"> — {person.problem}</span>
                    ) : (
                      <ul>
                        {person.notifications.map((n) => (
                          <li key={`${n.contact_method.id}-${n.at}`}>
                            {when(n.at)}: {n.channel}{' '}{msg('services.servicePaging.to')}{' '}{n.contact_method.label || n.contact_method.type}
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
