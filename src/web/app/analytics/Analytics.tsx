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
import { msg } from '../../i18n';

const secs = (s: number | undefined) => (s === undefined ? '—' : s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const thisMonth = () => new Date().toISOString().slice(0, 7);

function Figures({ m }: { m: IncidentMetrics }) {
  const rows: [string, string][] = [
    ['Incidents', String(m.total_incident_count)],
    ['Alerts', String(m.total_alert_count)],
    [msg('analytics.analytics.time_to_acknowledge_mean_median_p90'), `${secs(m.mean_seconds_to_first_ack)} / ${secs(m.p50_seconds_to_first_ack)} / ${secs(m.p90_seconds_to_first_ack)}`],
    [msg('analytics.analytics.time_to_resolve_mean_median_p90'), `${secs(m.mean_seconds_to_resolve)} / ${secs(m.p50_seconds_to_resolve)} / ${secs(m.p90_seconds_to_resolve)}`],
    ['Escalations', String(m.total_escalation_count)],
    [msg('analytics.analytics.acknowledged_at_the_first_level'), `${m.total_incidents_acknowledged_first_level} of ${m.total_incidents_acknowledged}`],
    [msg('analytics.analytics.sleep_hour_incidents_22_00_07'), String(m.total_sleep_hour_incidents)],
    [msg('analytics.analytics.repeat_incidents_same_service_and_title'), String(m.total_repeat_incidents)],
  ];
  return (
    <table className="table figures">
      <caption>{msg('analytics.analytics.the_month_s_figures')}</caption>
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
      <PageHeader title={msg('analytics.analytics.analytics')}>
        <Link to="/analytics/report" className="btn btn-quiet">{msg('analytics.analytics.monthly_impact_report')}</Link>
        <button type="button" className="btn btn-secondary" disabled={csv.busy || !filters} onClick={() => void csv.run('weekly')}>{msg('analytics.analytics.weekly_csv')}</button>
        <button type="button" className="btn btn-secondary" disabled={csv.busy || !filters} onClick={() => void csv.run('raw')}>{msg('analytics.analytics.incidents_csv')}</button>
      </PageHeader>
      <Field label={msg('analytics.analytics.month')} hint={msg('analytics.analytics.in', { zone: zone })}>
        {(id, describedBy) => <input id={id} type="month" value={month} aria-describedby={describedBy} onChange={(e) => setMonth(e.target.value)} />}
      </Field>
      <ErrorBox error={weekly.error ?? insights.error ?? load.error ?? csv.error} />
      {!ins || !weekly.data ? (
        <Loading what={msg('analytics.analytics.analytics_2')} />
      ) : (
        <div className="analytics-grid">
          <section className="card" tabIndex={0} aria-labelledby="an-fig">
            <h2 id="an-fig">{month}</h2>
            <Figures m={ins.totals} />
          </section>
          <section className="card" tabIndex={0} aria-labelledby="an-wk">
            <h2 id="an-wk">{msg('analytics.analytics.incidents_per_week')}</h2>
            <BarChart title={msg('analytics.analytics.incidents_per_week')} labels={weeks.map((w) => (w.range_start ?? '').slice(0, 10))} values={weeks.map((w) => w.total_incident_count)} />
            <table className="table">
              <caption>{msg('analytics.analytics.per_week_weeks_start_on_monday')}</caption>
              <thead>
                <tr>
                  <th scope="col">{msg('analytics.analytics.week_of')}</th>
                  <th scope="col">{msg('analytics.analytics.incidents')}</th>
                  <th scope="col">{msg('analytics.analytics.median_to_acknowledge')}</th>
                  <th scope="col">{msg('analytics.analytics.median_to_resolve')}</th>
                  <th scope="col">{msg('analytics.analytics.sleep_hour')}</th>
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
            <h2 id="an-hr">{msg('analytics.analytics.busiest_hours')}</h2>
            <BarChart title={msg('analytics.analytics.incidents_by_hour_of_the_day')} labels={ins.busiest_hours.map((_, h) => `${String(h).padStart(2, '0')}:00`)} values={ins.busiest_hours} />
            <details>
              <summary>{msg('analytics.analytics.incidents_by_hour_table')}</summary>
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{msg('analytics.analytics.hour')}</th>
                    <th scope="col">{msg('analytics.analytics.incidents')}</th>
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
            <h2 id="an-sv">{msg('analytics.analytics.services_breaking_most')}</h2>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{msg('analytics.analytics.service')}</th>
                  <th scope="col">{msg('analytics.analytics.incidents')}</th>
                  <th scope="col">{msg('analytics.analytics.repeats')}</th>
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
                <h3>{msg('analytics.analytics.repeating')}</h3>
                <ul className="plain">
                  {ins.repeats.map((g) => (
                    <li key={g.service_id + g.title}>
                      {g.service_name}: “{g.title}” — {g.incident_count}{' '}{msg('analytics.analytics.incidents_2')}{' '}{g.repeat_count}{' '}{msg('analytics.analytics.repeats_2')}</li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <section className="card wide" tabIndex={0} aria-labelledby="an-ld">
            <h2 id="an-ld">{msg('analytics.analytics.who_carried_the_pages')}</h2>
            {!load.data ? (
              <Loading what={msg('analytics.analytics.responder_load')} />
            ) : (
              <table className="table">
                <caption>{msg('analytics.analytics.nights_and_weekends_in_each_person')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{msg('analytics.analytics.person')}</th>
                    <th scope="col">{msg('analytics.analytics.pages')}</th>
                    <th scope="col">{msg('analytics.analytics.night_pages')}</th>
                    <th scope="col">{msg('analytics.analytics.weekend_pages')}</th>
                    <th scope="col">{msg('analytics.analytics.hours_on_call')}</th>
                    <th scope="col">{msg('analytics.analytics.incidents_handled')}</th>
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
                {r.schedule_name}{msg('analytics.analytics.pages_from')}{' '}{r.notifications.min}{' '}{msg('analytics.analytics.to')}{' '}{r.notifications.max}{' '}{msg('analytics.analytics.spread')}{' '}{r.notifications.spread}{msg('analytics.analytics.night_pages_spread')}{' '}{r.night_pages.spread}{msg('analytics.analytics.hours_on_call_spread')}{' '}{Math.round(r.seconds_on_call.spread / 3600)}.
              </p>
            ))}
          </section>
        </div>
      )}
    </>
  );
}
