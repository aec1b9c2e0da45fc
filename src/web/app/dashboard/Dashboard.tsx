import { useAsync } from '../../data/hooks';
import { peopleServedToday, type ServedToday } from '../../data/impact';
import { listIncidents } from '../../data/incidents';
import { useLive } from '../../data/live';
import { groupOncalls, oncallsNext, oncallsNow, readinessReport } from '../../data/oncall';
import type { Incident, Session } from '../../data/types';
import { IncidentRow } from '../incidents/IncidentList';
import { Link } from '../router';
import { ErrorBox, Loading, PageHeader, Time } from '../ui';
import { fmtNumber, msg } from '../../i18n';

const REASON: Record<string, string> = {
  no_contact_method: 'no contact method',
  no_verified_contact_method: 'no verified contact method',
  get no_notification_rule() { return msg('dashboard.dashboard.no_notification_rule_for_a_verified'); },
};

export function Dashboard({ session }: { session: Session }) {
  const open = useAsync(() => listIncidents({ statuses: ['triggered', 'acknowledged'], limit: 100 }), []);
  const now = useAsync(() => oncallsNow(), []);
  const next = useAsync(() => oncallsNext(7), []);
  const report = useAsync(() => readinessReport(), []);
  const ready = { error: report.error, data: report.data === undefined ? undefined : report.data === null ? null : report.data.users };
  const untested = report.data?.unconfirmed_contact_methods ?? [];
  const served = useAsync(() => peopleServedToday(), []);
  useLive((e) => {
    void open.reload();
    if (!e) void served.reload(); // the minute backstop and reconnects refresh the counts too
  });

  const incidents = open.data?.incidents ?? [];
  const high = incidents.filter((i) => i.urgency === 'high');
  const low = incidents.filter((i) => i.urgency === 'low');

  return (
    <>
      <PageHeader title={msg('dashboard.dashboard.dashboard')} />
      <div className="grid">
        <section className="card span-2" aria-labelledby="open-h">
          <h2 id="open-h">{msg('dashboard.dashboard.open_incidents')}</h2>
          <div className="stats" role="list">
            <Stat label={msg('dashboard.dashboard.high_urgency')} value={high.length} tone={high.length ? 'bad' : 'ok'} />
            <Stat label={msg('dashboard.dashboard.low_urgency')} value={low.length} tone={low.length ? 'warn' : 'ok'} />
            <Stat label={msg('dashboard.dashboard.not_acknowledged')} value={incidents.filter((i) => i.status === 'triggered').length} tone={incidents.some((i) => i.status === 'triggered') ? 'bad' : 'ok'} />
          </div>
          <ErrorBox error={open.error} />
          {open.data === undefined && !open.error ? <Loading what={msg('dashboard.dashboard.incidents')} /> : incidents.length === 0 ? <p className="all-clear">{msg('dashboard.dashboard.no_open_incidents')}</p> : null}
          <Group title={msg('dashboard.dashboard.high_urgency')} items={high} session={session} />
          <Group title={msg('dashboard.dashboard.low_urgency')} items={low} session={session} />
        </section>

        <div className="stack">
        <section className="card" aria-labelledby="oncall-h">
          <h2 id="oncall-h">{msg('dashboard.dashboard.on_call_now')}</h2>
          <ErrorBox error={now.error} />
          {now.data === undefined ? (!now.error && <Loading what={msg('dashboard.dashboard.on_call')} />) : now.data === null ? (
            <p className="muted">{msg('dashboard.dashboard.this_server_has_no_on_call')}</p>
          ) : now.data.length === 0 ? (
            <p className="warn-text">{msg('dashboard.dashboard.nobody_is_on_call_pages_would')}</p>
          ) : (
            <ul className="plain oncall">
              {groupOncalls(now.data).map((g) => (
                <li key={g.key}>
                  <span className="oncall-where">
                    {g.where}
                    {g.level !== null && <span className="muted">{' '}{msg('dashboard.dashboard.level')}{' '}{g.level}</span>}
                  </span>
                  {g.people.map((p) => (
                    <span key={p.id} className="oncall-who">
                      <Link to={`/users/${p.id}`}>{p.name}</Link>
                      {p.end && (
                        <span className="muted">
                          {' '}{msg('dashboard.dashboard.until')}{' '}<Time iso={p.end} />
                        </span>
                      )}
                    </span>
                  ))}
                </li>
              ))}
            </ul>
          )}
          <h3>{msg('dashboard.dashboard.next')}</h3>
          {next.data === undefined ? (!next.error && <Loading what={msg('dashboard.dashboard.next_shifts')} />) : !next.data || next.data.length === 0 ? (
            <p className="muted">{msg('dashboard.dashboard.no_handoffs_in_the_next_7')}</p>
          ) : (
            <ul className="plain">
              {next.data.slice(0, 3).map((o, i) => (
                <li key={i}>
                  <Link to={`/users/${o.user.id}`}>{o.user.summary}</Link> <span className="muted">({o.schedule?.summary ?? o.escalation_policy?.summary ?? msg('dashboard.dashboard.direct')})</span>{' '}{msg('dashboard.dashboard.starts')}{' '}<Time iso={o.start!} />
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card" aria-labelledby="served-h">
          <h2 id="served-h">{msg('dashboard.dashboard.people_served_today')}</h2>
          <ErrorBox error={served.error} />
          {served.data === undefined ? (!served.error && <Loading what={msg('dashboard.dashboard.people_served')} />) : served.data === null ? (
            <p className="muted">{msg('dashboard.dashboard.this_server_has_no_impact_reports')}</p>
          ) : served.data.services.length === 0 ? (
            <p className="muted">{msg('dashboard.dashboard.no_service_counts_the_people_it')}<a href="/api/v1/openapi.json">{msg('dashboard.dashboard.put_api_v1_services_id_impact')}</a>{msg('dashboard.dashboard.and_send_counts')}</p>
          ) : (
            <>
              <p className="served-total">
                <span className="stat-value">{fmtNumber(served.data.people)}</span> <span className="stat-label">{msg('dashboard.dashboard.people_served_since_midnight')}</span>
              </p>
              <ul className="plain served">
                {served.data.services.map((s) => (
                  <ServedRow key={s.serviceId} s={s} />
                ))}
              </ul>
            </>
          )}
        </section>

        <section className="card" aria-labelledby="ready-h">
          <h2 id="ready-h">{msg('dashboard.dashboard.can_we_reach_them')}</h2>
          <ErrorBox error={ready.error} />
          {ready.data === undefined ? (!ready.error && <Loading what={msg('dashboard.dashboard.readiness')} />) : ready.data === null ? (
            <p className="muted">{msg('dashboard.dashboard.this_server_cannot_check_contact_methods')}</p>
          ) : ready.data.length === 0 ? (
            <p className="ok-text">{msg('dashboard.dashboard.everyone_on_call_in_the_next')}</p>
          ) : (
            <ul className="plain readiness">
              {ready.data.map((r) => (
                <li key={r.user.id}>
                  <strong>
                    <Link to={`/users/${r.user.id}`}>{r.user.summary}</Link>
                  </strong>{' '}
                  {r.on_call_now ? <span className="badge badge-triggered">{msg('dashboard.dashboard.on_call_now_2')}</span> : <span className="muted">{msg('dashboard.dashboard.on_call_2')}{' '}<Time iso={r.first_shift_start} /></span>}
                  <br />
                  <span className="warn-text">{REASON[r.reason] ?? r.detail}</span>
                </li>
              ))}
            </ul>
          )}
          {untested.length > 0 && (
            <>
              <h3>{msg('dashboard.dashboard.test_pages_not_confirmed_in_31')}</h3>
              <ul className="plain readiness">
                {untested.map((u) => (
                  <li key={u.contact_method.id}>
                    <Link to={`/users/${u.user.id}`}>{u.user.summary}</Link>: {u.contact_method.label || u.contact_method.type}{' '}
                    <span className="warn-text">{u.status === 'never' ? msg('dashboard.dashboard.never_tested') : u.last_confirmed_at ? <>{msg('dashboard.dashboard.last_confirmed')}{' '}<Time iso={u.last_confirmed_at} /></> : msg('dashboard.dashboard.never_confirmed')}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        </div>
      </div>
    </>
  );
}

const STATE: Record<ServedToday['state'], { text: string; cls: string }> = {
  below: { get text() { return msg('dashboard.dashboard.below_the_expected_band'); }, cls: 'badge-triggered' },
  within: { get text() { return msg('dashboard.dashboard.within_the_expected_band'); }, cls: 'badge-resolved' },
  above: { get text() { return msg('dashboard.dashboard.above_the_expected_band'); }, cls: 'badge-acknowledged' },
  learning: { get text() { return msg('dashboard.dashboard.learning_no_band_yet'); }, cls: '' },
};

/** One service: what it served so far today, and a bar with the expected band and the count on it. */
function ServedRow({ s }: { s: ServedToday }) {
  const max = Math.max(s.served, s.high ?? 0, 1) * 1.1;
  const pct = (n: number) => `${Math.min(100, (n / max) * 100)}%`;
  const st = STATE[s.state];
  return (
    <li className={`served-row served-${s.state}`}>
      <p>
        <Link to={`/services/${s.serviceId}`}>{s.service}</Link>: <strong>{fmtNumber(s.served)}</strong> {s.label}{' '}
        <span className={`badge ${st.cls}`}>{st.text}</span>
      </p>
      {s.expected !== null && s.low !== null && s.high !== null && (
        <>
          <div className="band" aria-hidden="true">
            <span className="band-range" style={{ left: pct(s.low), width: `calc(${pct(s.high)} - ${pct(s.low)})` }} />
            <span className="band-expected" style={{ left: pct(s.expected) }} />
            <span className="band-served" style={{ width: pct(s.served) }} />
          </div>
          <p className="muted small">{msg('dashboard.dashboard.expected_by_now_about')}{' '}{fmtNumber(s.expected)}{' '}{msg('dashboard.dashboard.band')}{' '}{fmtNumber(s.low)}–{fmtNumber(s.high)})
          </p>
        </>
      )}
    </li>
  );
}

function Stat({ label, value, tone }: { label: string; value: number; tone: 'ok' | 'warn' | 'bad' }) {
  return (
    <div className={`stat stat-${tone}`} role="listitem">
      <span className="stat-value">{value}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}

function Group({ title, items, session }: { title: string; items: Incident[]; session: Session }) {
  if (!items.length) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul className="incidents">
        {items.slice(0, 10).map((i) => (
          <IncidentRow key={i.id} incident={i} session={session} />
        ))}
      </ul>
      {items.length > 10 && (
        <p>
          <Link to="/incidents">{msg('dashboard.dashboard.all')}{' '}{items.length}{' '}{msg('dashboard.dashboard.open_incidents_2')}</Link>
        </p>
      )}
    </>
  );
}
