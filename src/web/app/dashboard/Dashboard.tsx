import { useAsync } from '../../data/hooks';
import { peopleServedToday, type ServedToday } from '../../data/impact';
import { listIncidents } from '../../data/incidents';
import { useLive } from '../../data/live';
import { groupOncalls, oncallsNext, oncallsNow, readinessReport } from '../../data/oncall';
import type { Incident, Session } from '../../data/types';
import { IncidentRow } from '../incidents/IncidentList';
import { Link } from '../router';
import { ErrorBox, Loading, PageHeader, Time } from '../ui';

const REASON: Record<string, string> = {
  no_contact_method: 'no contact method',
  no_verified_contact_method: 'no verified contact method',
  no_notification_rule: 'no notification rule for a verified method',
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
      <PageHeader title="Dashboard" />
      <div className="grid">
        <section className="card span-2" aria-labelledby="open-h">
          <h2 id="open-h">Open incidents</h2>
          <div className="stats" role="list">
            <Stat label="High urgency" value={high.length} tone={high.length ? 'bad' : 'ok'} />
            <Stat label="Low urgency" value={low.length} tone={low.length ? 'warn' : 'ok'} />
            <Stat label="Not acknowledged" value={incidents.filter((i) => i.status === 'triggered').length} tone={incidents.some((i) => i.status === 'triggered') ? 'bad' : 'ok'} />
          </div>
          <ErrorBox error={open.error} />
          {open.data === undefined && !open.error ? <Loading what="incidents" /> : incidents.length === 0 ? <p className="all-clear">No open incidents.</p> : null}
          <Group title="High urgency" items={high} session={session} />
          <Group title="Low urgency" items={low} session={session} />
        </section>

        <div className="stack">
        <section className="card" aria-labelledby="oncall-h">
          <h2 id="oncall-h">On call now</h2>
          <ErrorBox error={now.error} />
          {now.data === undefined ? (!now.error && <Loading what="on-call" />) : now.data === null ? (
            <p className="muted">This server has no on-call API yet.</p>
          ) : now.data.length === 0 ? (
            <p className="warn-text">Nobody is on call. Pages would reach the organization's admins only.</p>
          ) : (
            <ul className="plain oncall">
              {groupOncalls(now.data).map((g) => (
                <li key={g.key}>
                  <span className="oncall-where">
                    {g.where}
                    {g.level !== null && <span className="muted"> · level {g.level}</span>}
                  </span>
                  {g.people.map((p) => (
                    <span key={p.id} className="oncall-who">
                      <Link to={`/users/${p.id}`}>{p.name}</Link>
                      {p.end && (
                        <span className="muted">
                          {' '}
                          until <Time iso={p.end} />
                        </span>
                      )}
                    </span>
                  ))}
                </li>
              ))}
            </ul>
          )}
          <h3>Next</h3>
          {next.data === undefined ? (!next.error && <Loading what="next shifts" />) : !next.data || next.data.length === 0 ? (
            <p className="muted">No handoffs in the next 7 days.</p>
          ) : (
            <ul className="plain">
              {next.data.slice(0, 3).map((o, i) => (
                <li key={i}>
                  <Link to={`/users/${o.user.id}`}>{o.user.summary}</Link> <span className="muted">({o.schedule?.summary ?? o.escalation_policy?.summary ?? 'direct'})</span> starts <Time iso={o.start!} />
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card" aria-labelledby="served-h">
          <h2 id="served-h">People served today</h2>
          <ErrorBox error={served.error} />
          {served.data === undefined ? (!served.error && <Loading what="people served" />) : served.data === null ? (
            <p className="muted">This server has no impact reports.</p>
          ) : served.data.services.length === 0 ? (
            <p className="muted">
              No service counts the people it serves yet. Add an impact metric to a service (<a href="/api/v1/openapi.json">PUT /api/v1/services/:id/impact_metric</a>) and send counts.
            </p>
          ) : (
            <>
              <p className="served-total">
                <span className="stat-value">{served.data.people.toLocaleString()}</span> <span className="stat-label">people served since midnight</span>
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
          <h2 id="ready-h">Can we reach them?</h2>
          <ErrorBox error={ready.error} />
          {ready.data === undefined ? (!ready.error && <Loading what="readiness" />) : ready.data === null ? (
            <p className="muted">This server cannot check contact methods yet.</p>
          ) : ready.data.length === 0 ? (
            <p className="ok-text">Everyone on call in the next 7 days has a working contact method.</p>
          ) : (
            <ul className="plain readiness">
              {ready.data.map((r) => (
                <li key={r.user.id}>
                  <strong>
                    <Link to={`/users/${r.user.id}`}>{r.user.summary}</Link>
                  </strong>{' '}
                  {r.on_call_now ? <span className="badge badge-triggered">on call now</span> : <span className="muted">on call <Time iso={r.first_shift_start} /></span>}
                  <br />
                  <span className="warn-text">{REASON[r.reason] ?? r.detail}</span>
                </li>
              ))}
            </ul>
          )}
          {untested.length > 0 && (
            <>
              <h3>Test pages not confirmed in 31 days</h3>
              <ul className="plain readiness">
                {untested.map((u) => (
                  <li key={u.contact_method.id}>
                    <Link to={`/users/${u.user.id}`}>{u.user.summary}</Link>: {u.contact_method.label || u.contact_method.type}{' '}
                    <span className="warn-text">{u.status === 'never' ? 'never tested' : u.last_confirmed_at ? <>last confirmed <Time iso={u.last_confirmed_at} /></> : 'never confirmed'}</span>
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
  below: { text: 'Below the expected band', cls: 'badge-triggered' },
  within: { text: 'Within the expected band', cls: 'badge-resolved' },
  above: { text: 'Above the expected band', cls: 'badge-acknowledged' },
  learning: { text: 'Learning (no band yet)', cls: '' },
};

/** One service: what it served so far today, and a bar with the expected band and the count on it. */
function ServedRow({ s }: { s: ServedToday }) {
  const max = Math.max(s.served, s.high ?? 0, 1) * 1.1;
  const pct = (n: number) => `${Math.min(100, (n / max) * 100)}%`;
  const st = STATE[s.state];
  return (
    <li className={`served-row served-${s.state}`}>
      <p>
        <Link to={`/services/${s.serviceId}`}>{s.service}</Link>: <strong>{s.served.toLocaleString()}</strong> {s.label}{' '}
        <span className={`badge ${st.cls}`}>{st.text}</span>
      </p>
      {s.expected !== null && s.low !== null && s.high !== null && (
        <>
          <div className="band" aria-hidden="true">
            <span className="band-range" style={{ left: pct(s.low), width: `calc(${pct(s.high)} - ${pct(s.low)})` }} />
            <span className="band-expected" style={{ left: pct(s.expected) }} />
            <span className="band-served" style={{ width: pct(s.served) }} />
          </div>
          <p className="muted small">
            Expected by now about {s.expected.toLocaleString()} (band {s.low.toLocaleString()}–{s.high.toLocaleString()})
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
          <Link to="/incidents">All {items.length} open incidents</Link>
        </p>
      )}
    </>
  );
}
