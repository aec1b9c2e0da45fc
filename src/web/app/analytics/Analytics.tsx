/**
 * Analytics for a month in the organization's zone: incidents per week, time to acknowledge and
 * to resolve, escalations, sleep-hour and repeat incidents, busiest hours, the services that
 * break most, and who carried the pages (docs/analytics.md defines every figure). Each chart has
 * the table of its numbers; both can be downloaded as CSV.
 */
import { useState } from 'react';
import { downloadCsv, monthRange, responderLoad, totals, weeklyMetrics } from '../../data/analytics';
import { useAction, useAsync } from '../../data/hooks';
import type { IncidentMetrics, Session } from '../../data/types';
import { Link } from '../router';
import { ErrorBox, Field, Loading, PageHeader } from '../ui';
import { BarChart } from './BarChart';

const secs = (s: number | undefined) => (s === undefined ? '—' : s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const thisMonth = () => new Date().toISOString().slice(0, 7);

function Figures({ m }: { m: IncidentMetrics }) {
  const rows: [string, string][] = [
    ['Incidents', String(m.total_incident_count)],
    ['Alerts', String(m.total_alert_count)],
    ['Time to acknowledge (mean / median / p90)', `${secs(m.mean_seconds_to_first_ack)} / ${secs(m.p50_seconds_to_first_ack)} / ${secs(m.p90_seconds_to_first_ack)}`],
    ['Time to resolve (mean / median / p90)', `${secs(m.mean_seconds_to_resolve)} / ${secs(m.p50_seconds_to_resolve)} / ${secs(m.p90_seconds_to_resolve)}`],
    ['Escalations', String(m.total_escalation_count)],
    ['Acknowledged at the first level', `${m.total_incidents_acknowledged_first_level} of ${m.total_incidents_acknowledged}`],
    ['Sleep-hour incidents (22:00–07:00)', String(m.total_sleep_hour_incidents)],
    ['Repeat incidents (same service and title within 7 days)', String(m.total_repeat_incidents)],
  ];
  return (
    <table className="table figures">
      <caption>The month’s figures</caption>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Analytics({ session }: { session: Session }) {
  const zone = session.organization.time_zone;
  const [month, setMonth] = useState(thisMonth());
  const filters = /^\d{4}-\d{2}$/.test(month) ? monthRange(month, zone) : null;
  const key = filters ? `${filters.created_at_start}` : '';
  const weekly = useAsync(() => (filters ? weeklyMetrics(filters, zone) : Promise.resolve(null)), [key, zone]);
  const insights = useAsync(() => (filters ? totals(filters, zone) : Promise.resolve(null)), [key, zone]);
  const load = useAsync(() => (filters ? responderLoad(filters, zone) : Promise.resolve(null)), [key, zone]);
  const csv = useAction(async (what: 'weekly' | 'raw') =>
    filters && (what === 'weekly' ? downloadCsv('/api/v1/analytics/metrics/incidents/all', { filters, time_zone: zone, aggregate_unit: 'week' }, `incidents-${month}-weekly.csv`) : downloadCsv('/api/v1/analytics/raw/incidents', { filters, time_zone: zone, limit: 1000 }, `incidents-${month}.csv`)),
  );
  const weeks = weekly.data?.data ?? [];
  const ins = insights.data;
  return (
    <>
      <PageHeader title="Analytics">
        <Link to="/analytics/report" className="btn btn-quiet">
          Monthly impact report
        </Link>
        <button type="button" className="btn btn-secondary" disabled={csv.busy || !filters} onClick={() => void csv.run('weekly')}>
          Weekly CSV
        </button>
        <button type="button" className="btn btn-secondary" disabled={csv.busy || !filters} onClick={() => void csv.run('raw')}>
          Incidents CSV
        </button>
      </PageHeader>
      <Field label="Month" hint={`In ${zone}`}>
        {(id, describedBy) => <input id={id} type="month" value={month} aria-describedby={describedBy} onChange={(e) => setMonth(e.target.value)} />}
      </Field>
      <ErrorBox error={weekly.error ?? insights.error ?? load.error ?? csv.error} />
      {!ins || !weekly.data ? (
        <Loading what="analytics" />
      ) : (
        <div className="analytics-grid">
          <section className="card" tabIndex={0} aria-labelledby="an-fig">
            <h2 id="an-fig">{month}</h2>
            <Figures m={ins.totals} />
          </section>
          <section className="card" tabIndex={0} aria-labelledby="an-wk">
            <h2 id="an-wk">Incidents per week</h2>
            <BarChart title="Incidents per week" labels={weeks.map((w) => (w.range_start ?? '').slice(0, 10))} values={weeks.map((w) => w.total_incident_count)} />
            <table className="table">
              <caption>Per week (weeks start on Monday)</caption>
              <thead>
                <tr>
                  <th scope="col">Week of</th>
                  <th scope="col">Incidents</th>
                  <th scope="col">Median to acknowledge</th>
                  <th scope="col">Median to resolve</th>
                  <th scope="col">Sleep-hour</th>
                </tr>
              </thead>
              <tbody>
                {weeks.map((w) => (
                  <tr key={w.range_start}>
                    <th scope="row">{(w.range_start ?? '').slice(0, 10)}</th>
                    <td>{w.total_incident_count}</td>
                    <td>{secs(w.p50_seconds_to_first_ack)}</td>
                    <td>{secs(w.p50_seconds_to_resolve)}</td>
                    <td>{w.total_sleep_hour_incidents}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="card" tabIndex={0} aria-labelledby="an-hr">
            <h2 id="an-hr">Busiest hours</h2>
            <BarChart title="Incidents by hour of the day" labels={ins.busiest_hours.map((_, h) => `${String(h).padStart(2, '0')}:00`)} values={ins.busiest_hours} />
            <details>
              <summary>Incidents by hour (table)</summary>
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Hour</th>
                    <th scope="col">Incidents</th>
                  </tr>
                </thead>
                <tbody>
                  {ins.busiest_hours.map((n, h) => (
                    <tr key={h}>
                      <th scope="row">{String(h).padStart(2, '0')}:00</th>
                      <td>{n}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </section>
          <section className="card" tabIndex={0} aria-labelledby="an-sv">
            <h2 id="an-sv">Services breaking most</h2>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Incidents</th>
                  <th scope="col">Repeats</th>
                </tr>
              </thead>
              <tbody>
                {ins.services.map((s) => (
                  <tr key={s.service_id}>
                    <th scope="row">{s.service_name}</th>
                    <td>{s.incident_count}</td>
                    <td>{s.repeat_count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {ins.repeats.length > 0 && (
              <>
                <h3>Repeating</h3>
                <ul className="plain">
                  {ins.repeats.map((g) => (
                    <li key={g.service_id + g.title}>
                      {g.service_name}: “{g.title}” — {g.incident_count} incidents, {g.repeat_count} repeats
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <section className="card wide" tabIndex={0} aria-labelledby="an-ld">
            <h2 id="an-ld">Who carried the pages</h2>
            {!load.data ? (
              <Loading what="responder load" />
            ) : (
              <table className="table">
                <caption>Nights and weekends in each person’s own time zone</caption>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Pages</th>
                    <th scope="col">Night pages</th>
                    <th scope="col">Weekend pages</th>
                    <th scope="col">Hours on call</th>
                    <th scope="col">Incidents handled</th>
                  </tr>
                </thead>
                <tbody>
                  {load.data.data.map((p) => (
                    <tr key={p.responder_id}>
                      <th scope="row">{p.responder_name}</th>
                      <td>{p.total_notifications}</td>
                      <td>{p.total_night_pages}</td>
                      <td>{p.total_weekend_pages}</td>
                      <td>{Math.round(p.total_seconds_on_call / 3600)}</td>
                      <td>{p.total_incidents_handled}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {load.data?.rotations?.map((r) => (
              <p key={r.schedule_id} className="muted">
                {r.schedule_name}: pages from {r.notifications.min} to {r.notifications.max} (spread {r.notifications.spread}); night pages spread {r.night_pages.spread}; hours on call spread {Math.round(r.seconds_on_call.spread / 3600)}.
              </p>
            ))}
          </section>
        </div>
      )}
    </>
  );
}
