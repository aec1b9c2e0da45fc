import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { PublicUpdateForm } from './PublicUpdateForm';
import { acknowledge, addNote, describeEntry, escalateNow, getIncident, incidentAlerts, incidentLog, listIncidents, listPriorities, merge, publicUpdates, reassign, resolve, setPriority, snooze, snoozedUntil } from '../../data/incidents';
import { getPolicy } from '../../data/schedules';
import { useLive } from '../../data/live';
import { canRespond, listUsers } from '../../data/people';
import type { Session } from '../../data/types';
import { Link, navigate } from '../router';
import { ErrorBox, Field, Loading, Notice, PageHeader, StatusBadge, Time, UrgencyBadge } from '../ui';
import { PriorityBadge, PrioritySelect } from './priority';
import { PostmortemPanel } from './PostmortemPanel';
import { fmtNumber, msg, type MessageId } from '../../i18n';

/** The snooze lengths offered (seconds): PagerDuty's common ones. */
const SNOOZES: { seconds: number; label: string }[] = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 4 * 3600, label: '4 hours' },
  { seconds: 24 * 3600, label: '24 hours' },
];

/** How a timeline entry came in, in the reader's language; other channels (Telegram, Matrix, voice, ...) by their name. */
const CHANNEL: Record<string, MessageId> = {
  web_ui: 'incidents.incidentDetail.channel.web_ui',
  api: 'incidents.incidentDetail.channel.api',
  events_api_v2: 'incidents.incidentDetail.channel.events_api_v2',
  alertmanager: 'incidents.incidentDetail.channel.alertmanager',
  opsgenie: 'incidents.incidentDetail.channel.opsgenie',
  email: 'incidents.incidentDetail.channel.email',
  sms: 'incidents.incidentDetail.channel.sms',
  chat: 'incidents.incidentDetail.channel.chat',
  link: 'incidents.incidentDetail.channel.link',
  auto: 'incidents.incidentDetail.channel.auto',
  timeout: 'incidents.incidentDetail.channel.timeout',
};
const SEVERITY: Record<string, MessageId> = {
  critical: 'incidents.incidentDetail.severity.critical',
  error: 'incidents.incidentDetail.severity.error',
  warning: 'incidents.incidentDetail.severity.warning',
  info: 'incidents.incidentDetail.severity.info',
};

/** An alert's status in the reader's language (`suppressed` is an alert's own). */
function alertStatus(status: string): string {
  if (status === 'triggered' || status === 'acknowledged' || status === 'resolved') return msg(`ui.status.${status}`);
  return status === 'suppressed' ? msg('incidents.incidentDetail.alert_suppressed') : status;
}

export function IncidentDetail({ id, session }: { id: string; session: Session }) {
  const inc = useAsync(() => getIncident(id), [id]);
  const log = useAsync(() => incidentLog(id), [id]);
  const alerts = useAsync(() => incidentAlerts(id), [id]);
  // A volunteer may open an incident of their pools (or assigned to them), but not the organization's lists, policies or status page.
  const volunteer = session.user.role === 'volunteer';
  const updates = useAsync(() => (volunteer ? Promise.resolve([]) : publicUpdates(id)), [id, volunteer]);
  const users = useAsync(() => (volunteer ? Promise.resolve([]) : listUsers()), [volunteer]);
  const reloadAll = () => Promise.all([inc.reload(), log.reload(), alerts.reload()]);
  useLive((e) => {
    if (!e || e.incident_id === inc.data?.id) void reloadAll();
  });

  const ack = useAction(async () => (await acknowledge(id), reloadAll()));
  // A volunteer's access to an incident ends when it is resolved: back to their page rather than a refusal.
  const res = useAction(async () => (await resolve(id), session.user.role === 'volunteer' ? navigate('/') : reloadAll()));
  const policyId = inc.data?.escalation_policy?.id ?? null;
  const policy = useAsync(() => (policyId && !volunteer ? getPolicy(policyId) : Promise.resolve(null)), [policyId, volunteer]);
  const [level, setLevel] = useState('');
  const [escalated, setEscalated] = useState<number | null>(null);
  const esc = useAction(async () => {
    setEscalated(null);
    const r = await escalateNow(id, level ? Number(level) : undefined);
    setEscalated(r.escalation_level);
    setLevel('');
    await reloadAll();
  });
  const [assignee, setAssignee] = useState('');
  const assign = useAction(async () => (await reassign(id, [assignee]), reloadAll(), setAssignee('')));
  const [note, setNote] = useState('');
  const noteAction = useAction(async () => (await addNote(id, note), setNote(''), log.reload()));
  // Priorities, snooze and merge: for staff (a volunteer may snooze an incident they can act on).
  const priorities = useAsync(() => (volunteer ? Promise.resolve([]) : listPriorities()), [volunteer]);
  const prio = useAction(async (priorityId: string) => (await setPriority(id, priorityId || null), reloadAll()));
  const nap = useAction(async (seconds: number) => (await snooze(id, seconds), reloadAll()));
  const [merging, setMerging] = useState(false);
  const [sources, setSources] = useState<string[]>([]);
  const others = useAsync(() => (merging ? listIncidents({ statuses: ['triggered', 'acknowledged'], limit: 100 }).then((r) => r.incidents) : Promise.resolve([])), [merging]);
  const [merged, setMerged] = useState<number | null>(null);
  const mergeAction = useAction(async () => {
    await merge(id, sources);
    setMerged(sources.length);
    setSources([]);
    setMerging(false);
    await reloadAll();
  });

  if (inc.error) return <ErrorBox error={inc.error} />;
  if (!inc.data) return <Loading what={msg('incidents.incidentDetail.the_incident')} />;
  const i = inc.data;
  const act = canRespond(session.user.role);
  const open = i.status !== 'resolved';

  return (
    <>
      <p className="crumbs">
        {volunteer ? <Link to="/">{msg('incidents.incidentDetail.my_volunteering')}</Link> : <Link to="/incidents">{msg('incidents.incidentDetail.incidents')}</Link>}
      </p>
      <PageHeader title={`#${i.incident_number} ${i.title}`} />
      <div className="incident-head">
        <StatusBadge status={i.status} />
        <UrgencyBadge urgency={i.urgency} />
        <PriorityBadge priority={i.priority} />
        <span>
          <Link to={`/services/${i.service.id}`}>{i.service.summary}</Link>
        </span>
        <span className="muted">{msg('incidents.incidentDetail.opened')}{' '}<Time iso={i.created_at} />
        </span>
      </div>
      <dl className="facts">
        {act && open && !volunteer ? (
          <div>
            <dt>
              <label htmlFor="incident-priority">{msg('incidents.incidentDetail.priority')}</label>
            </dt>
            <dd>
              <PrioritySelect id="incident-priority" value={i.priority?.id ?? ''} priorities={priorities.data ?? []} disabled={prio.busy || !priorities.data} onChange={(v) => void prio.run(v)} />
              <ErrorBox error={prio.error ?? priorities.error} />
            </dd>
          </div>
        ) : (
          <div>
            <dt>{msg('incidents.incidentDetail.priority')}</dt>
            <dd>{i.priority?.summary ?? msg('incidents.incidentDetail.none')}</dd>
          </div>
        )}
        {snoozedUntil(i) && (
          <div>
            <dt>{msg('incidents.incidentDetail.snoozed')}</dt>
            <dd>{msg('incidents.incidentDetail.triggers_again')}{' '}<Time iso={snoozedUntil(i)!} />
            </dd>
          </div>
        )}
        <div>
          <dt>{msg('incidents.incidentDetail.assigned_to')}</dt>
          <dd>{i.assignments.length ? i.assignments.map((a) => a.assignee.summary).join(', ') : msg('incidents.incidentDetail.nobody')}</dd>
        </div>
        {i.acknowledgements[0] && (
          <div>
            <dt>{msg('incidents.incidentDetail.acknowledged_by')}</dt>
            <dd>
              {i.acknowledgements[0].acknowledger.summary} <Time iso={i.acknowledgements[0].at} />
            </dd>
          </div>
        )}
        {i.resolved_at && (
          <div>
            <dt>{msg('incidents.incidentDetail.resolved')}</dt>
            <dd>
              <Time iso={i.resolved_at} />
            </dd>
          </div>
        )}
        {i.impact && (
          <div>
            <dt>{msg('incidents.incidentDetail.people_affected')}</dt>
            <dd>{msg('incidents.incidentDetail.about')}{' '}{fmtNumber(Math.round(i.impact.shortfall.estimate))} {i.impact.label}{' '}{msg('incidents.incidentDetail.delayed')}{fmtNumber(Math.round(i.impact.shortfall.low))}–{fmtNumber(Math.round(i.impact.shortfall.high))}), {fmtNumber(Math.round(i.impact.net.estimate))}{' '}{msg('incidents.incidentDetail.likely_not_served')}{i.impact.frozen ? '' : msg('incidents.incidentDetail.so_far')}
            </dd>
          </div>
        )}
        <div>
          <dt>{msg('incidents.incidentDetail.alerts')}</dt>
          <dd>
            {i.alert_counts.all} ({i.alert_counts.triggered}{' '}{msg('incidents.incidentDetail.open')}</dd>
        </div>
      </dl>

      {act && open && (
        <section className="actions-bar" aria-label={msg('incidents.incidentDetail.actions')}>
          {i.status === 'triggered' && (
            <button type="button" className="btn btn-primary btn-large" disabled={ack.busy} onClick={() => void ack.run()}>{msg('incidents.incidentDetail.acknowledge')}</button>
          )}
          <button type="button" className="btn btn-secondary btn-large" disabled={res.busy} onClick={() => void res.run()}>{msg('incidents.incidentDetail.resolve')}</button>
          <ErrorBox error={ack.error ?? res.error} />
        </section>
      )}

      {act && i.status === 'acknowledged' && (
        <section className="actions-bar" aria-label={msg('incidents.incidentDetail.snooze')}>
          <span className="muted">{msg('incidents.incidentDetail.snooze_for')}</span>
          {SNOOZES.map((s) => (
            <button key={s.seconds} type="button" className="btn btn-secondary" disabled={nap.busy} onClick={() => void nap.run(s.seconds)} aria-label={msg('incidents.incidentDetail.snooze_for_2', { label: s.label })}>
              {s.label}
            </button>
          ))}
          <ErrorBox error={nap.error} />
        </section>
      )}

      {act && open && !volunteer && i.escalation_policy && (
        <form
          className="row-form escalate"
          aria-label={msg('incidents.incidentDetail.escalate_now')}
          onSubmit={(e) => {
            e.preventDefault();
            void esc.run();
          }}
        >
          <Field label={msg('incidents.incidentDetail.escalate_to')} hint={msg('incidents.incidentDetail.pages_now_without_waiting_for_s', { v0: i.escalation_policy.summary ?? msg('incidents.incidentDetail.the_policy') })}>
            {(fid, d) => (
              <select id={fid} aria-describedby={d} value={level} onChange={(e) => setLevel(e.target.value)}>
                <option value="">{msg('incidents.incidentDetail.the_next_level')}</option>
                {(policy.data?.escalation_rules ?? []).map((r, n) => (
                  <option key={n} value={n + 1}>{msg('incidents.incidentDetail.level')}{' '}{n + 1}: {r.targets.map((t) => t.summary ?? t.id).join(', ')}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-secondary" disabled={esc.busy}>{msg('incidents.incidentDetail.escalate_now')}</button>
          {escalated !== null && <Notice tone="ok">{msg('incidents.incidentDetail.level')}{' '}{escalated}{' '}{msg('incidents.incidentDetail.is_being_paged_now')}</Notice>}
          <ErrorBox error={esc.error} />
        </form>
      )}

      <div className="grid">
        {!volunteer && inc.data && <PostmortemPanel incidentId={inc.data.id} resolved={inc.data.status === 'resolved'} users={users.data ?? []} canEdit={act} />}
        <section className="card span-2" aria-labelledby="tl-h">
          <h2 id="tl-h">{msg('incidents.incidentDetail.timeline')}</h2>
          {act && (
            <form
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void noteAction.run();
              }}
            >
              <Field label={msg('incidents.incidentDetail.add_a_note')}>{(fid) => <textarea id={fid} rows={2} value={note} onChange={(e) => setNote(e.target.value)} maxLength={65536} />}</Field>
              <button type="submit" className="btn btn-secondary" disabled={noteAction.busy || !note.trim()}>{msg('incidents.incidentDetail.add_note')}</button>
              <ErrorBox error={noteAction.error} />
            </form>
          )}
          <ErrorBox error={log.error} />
          {!log.data ? (
            <Loading what={msg('incidents.incidentDetail.the_timeline')} />
          ) : (
            <ol className="timeline" aria-label={msg('incidents.incidentDetail.timeline_newest_first')}>
              {[...log.data].reverse().map((e) => (
                <li key={e.id} className={`tl tl-${(e.event_details?.vigil_type ?? e.type).replace(/_log_entry$/, '')}`}>
                  <Time iso={e.created_at} />
                  <p>{describeEntry(e)}</p>
                  <p className="muted small">
                    {e.agent?.summary ? `${e.agent.summary} · ` : ''}
                    {CHANNEL[e.channel.type] ? msg(CHANNEL[e.channel.type]!) : e.channel.type}
                  </p>
                </li>
              ))}
            </ol>
          )}
        </section>

        <div className="stack">
          {act && open && !volunteer && (
            <section className="card" aria-labelledby="re-h">
              <h2 id="re-h">{msg('incidents.incidentDetail.reassign')}</h2>
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void assign.run();
                }}
              >
                <Field label={msg('incidents.incidentDetail.assign_to')}>
                  {(fid) => (
                    <select id={fid} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                      <option value="">{msg('incidents.incidentDetail.choose_a_person')}</option>
                      {(users.data ?? []).map((u) => (
                        <option key={u.id} value={u.id}>
                          {u.name}
                          {u.id === session.user.id ? msg('incidents.incidentDetail.me') : ''}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <button type="submit" className="btn btn-secondary" disabled={assign.busy || !assignee}>{msg('incidents.incidentDetail.reassign')}</button>
                <ErrorBox error={assign.error} />
              </form>
            </section>
          )}

          {act && open && !volunteer && (
            <section className="card" aria-labelledby="mg-h">
              <h2 id="mg-h">{msg('incidents.incidentDetail.merge')}</h2>
              <p className="muted small">{msg('incidents.incidentDetail.other_open_incidents_about_the_same')}</p>
              {merged !== null && <Notice tone="ok">{merged === 1 ? msg('incidents.incidentDetail.one_incident_merged') : msg('incidents.incidentDetail.incidents_merged', { merged: merged })}{' '}{msg('incidents.incidentDetail.into_this_one')}</Notice>}
              {!merging ? (
                <button type="button" className="btn btn-secondary" onClick={() => (setMerged(null), setMerging(true))}>{msg('incidents.incidentDetail.choose_incidents_to_merge')}</button>
              ) : (
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    void mergeAction.run();
                  }}
                >
                  <ErrorBox error={others.error} />
                  {!others.data ? (
                    <Loading what={msg('incidents.incidentDetail.open_incidents')} />
                  ) : others.data.filter((o) => o.id !== i.id).length === 0 ? (
                    <p className="muted">{msg('incidents.incidentDetail.no_other_open_incident')}</p>
                  ) : (
                    <fieldset>
                      <legend>{msg('incidents.incidentDetail.merge_into')}{i.incident_number}</legend>
                      {others.data
                        .filter((o) => o.id !== i.id)
                        .map((o) => (
                          <label key={o.id} className="check">
                            <input type="checkbox" checked={sources.includes(o.id)} onChange={(e) => setSources((s) => (e.target.checked ? [...s, o.id] : s.filter((x) => x !== o.id)))} /> #{o.incident_number} {o.title}
                            <span className="muted small"> · {o.service.summary}</span>
                          </label>
                        ))}
                    </fieldset>
                  )}
                  <button type="submit" className="btn btn-secondary" disabled={mergeAction.busy || sources.length === 0}>{msg('incidents.incidentDetail.merge')}{' '}{sources.length || ''}{' '}{msg('incidents.incidentDetail.into_this_incident')}</button>{' '}
                  <button type="button" className="btn btn-secondary" onClick={() => (setMerging(false), setSources([]))}>{msg('incidents.incidentDetail.cancel')}</button>
                  <ErrorBox error={mergeAction.error} />
                </form>
              )}
            </section>
          )}

          {!volunteer && (
          <section className="card" aria-labelledby="pub-h">
            <h2 id="pub-h">{msg('incidents.incidentDetail.status_page_updates')}</h2>
            <p className="muted small">{msg('incidents.incidentDetail.the_public_sees_these_words_never')}</p>
            {updates.data && updates.data.length > 0 ? (
              <ol className="plain updates">
                {[...updates.data].reverse().map((u) => (
                  <li key={u.id}>
                    <strong className="cap">{u.status}</strong> · <Time iso={u.created_at} />
                    <p>{u.message}</p>
                  </li>
                ))}
              </ol>
            ) : (
              <p className="muted">{msg('incidents.incidentDetail.no_public_update_yet')}</p>
            )}
            {act && <PublicUpdateForm incidentId={id} onPosted={() => void updates.reload()} />}
          </section>
          )}

          <section className="card" aria-labelledby="al-h">
            <h2 id="al-h">{msg('incidents.incidentDetail.alerts')}</h2>
            <ErrorBox error={alerts.error} />
            {!alerts.data ? (
              <Loading what={msg('incidents.incidentDetail.alerts_2')} />
            ) : alerts.data.length === 0 ? (
              <Notice>{msg('incidents.incidentDetail.no_alerts_this_incident_was_opened')}</Notice>
            ) : (
              <ul className="plain alerts">
                {alerts.data.map((a) => (
                  <li key={a.id}>
                    <span className={`badge sev-${a.severity}`}>{SEVERITY[a.severity] ? msg(SEVERITY[a.severity]!) : a.severity}</span> <span className="badge">{alertStatus(a.status)}</span> {a.summary}
                    <p className="muted small">{msg('incidents.incidentDetail.key')}{' '}<code>{a.alert_key}</code>{' '}{msg('incidents.incidentDetail.seen')}{' '}{a.count}{msg('incidents.incidentDetail.last')}{' '}<Time iso={a.last_seen_at} />
                    </p>
                    {a.body.details != null && (
                      <details>
                        <summary>{msg('incidents.incidentDetail.details')}</summary>
                        <pre className="json">{JSON.stringify(a.body.details, null, 2)}</pre>
                      </details>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>
    </>
  );
}
