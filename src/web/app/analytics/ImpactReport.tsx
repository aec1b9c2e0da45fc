/**
 * The impact report for boards and funders (one page per month or quarter in the organization's
 * zone): people served against expected, people affected with intervals, availability in people,
 * response times, postmortems published, action items closed, volunteer hours per partner
 * company. Every figure is a table; the CSV and the PDF are the same numbers.
 */
import { useState } from 'react';
import { impactReportUrl, monthlyReport, quarterlyReport } from '../../data/analytics';
import { useAsync } from '../../data/hooks';
import type { MonthlyReport, QuarterlyReport, Session } from '../../data/types';
import { Link } from '../router';
import { ErrorBox, Field, Loading, Notice, PageHeader } from '../ui';
import { fmtNumber, msg } from '../../i18n';

const n = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? '—' : fmtNumber(x, { maximumFractionDigits: d }));
const secs = (s: number | undefined) => (s === undefined ? '—' : s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

export function ImpactReport({ session }: { session: Session }) {
  const [month, setMonth] = useState(() => new Date(Date.now() - 15 * 86_400_000).toISOString().slice(0, 7));
  const [by, setBy] = useState<'month' | 'quarter'>('month');
  const valid = /^\d{4}-\d{2}$/.test(month);
  const period = by === 'month' ? month : `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`;
  const r = useAsync<MonthlyReport | QuarterlyReport | null>(() => (!valid ? Promise.resolve(null) : by === 'month' ? monthlyReport(period) : quarterlyReport(period)), [period]);
  const d = r.data;
  return (
    <>
      <PageHeader title={msg('analytics.impactReport.impact_report')}>
        <Link to="/analytics" className="btn btn-quiet">{msg('analytics.impactReport.analytics')}</Link>
        {valid && (
          <>
            <a className="btn btn-secondary" href={`${impactReportUrl(period)}&format=csv`} download>{msg('analytics.impactReport.download_csv')}</a>
            <a className="btn btn-secondary" href={`${impactReportUrl(period)}&format=pdf`} download>{msg('analytics.impactReport.download_pdf')}</a>
          </>
        )}
      </PageHeader>
      <Field label={msg('analytics.impactReport.report_for')} hint={msg('analytics.impactReport.a_calendar_month_or_the_quarter')}>
        {(id, describedBy) => (
          <select id={id} value={by} aria-describedby={describedBy} onChange={(e) => setBy(e.target.value === 'quarter' ? 'quarter' : 'month')}>
            <option value="month">{msg('analytics.impactReport.month')}</option>
            <option value="quarter">{msg('analytics.impactReport.quarter')}</option>
          </select>
        )}
      </Field>
      <Field label={msg('analytics.impactReport.month')} hint={by === 'month' ? msg('analytics.impactReport.calendar_month_in', { time_zone: session.organization.time_zone }) : msg('analytics.impactReport.in', { period: period, time_zone: session.organization.time_zone })}>
        {(id, describedBy) => <input id={id} type="month" value={month} aria-describedby={describedBy} onChange={(e) => setMonth(e.target.value)} />}
      </Field>
      <ErrorBox error={r.error} />
      {!d ? (
        <Loading what={msg('analytics.impactReport.the_report')} />
      ) : (
        <div className="analytics-grid">
          <section className="card wide" aria-labelledby="ir-served">
            <h2 id="ir-served">{msg('analytics.impactReport.people_served_and_affected')}</h2>
            {d.services.length === 0 ? (
              <Notice>{msg('analytics.impactReport.no_service_reports_an_impact_metric')}</Notice>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{msg('analytics.impactReport.service')}</th>
                    <th scope="col">{msg('analytics.impactReport.served')}</th>
                    <th scope="col">{msg('analytics.impactReport.expected_band')}</th>
                    <th scope="col">{msg('analytics.impactReport.incidents')}</th>
                    <th scope="col">{msg('analytics.impactReport.affected_90_interval')}</th>
                    <th scope="col">{msg('analytics.impactReport.availability')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.services.map((s) => (
                    <tr key={s.service_id}>
                      <th scope="row">{s.service_name}</th>
                      <td>
                        {n(s.served)} {s.label}
                      </td>
                      <td>
                        {n(s.expected)} ({n(s.expected_low)}–{n(s.expected_high)})
                      </td>
                      <td>{s.incidents}</td>
                      <td>
                        {n(s.people_affected)} ({n(s.people_affected_low)}–{n(s.people_affected_high)}{msg('analytics.impactReport.net')}{' '}{n(s.people_affected_net)})
                      </td>
                      <td>{s.availability === null ? '—' : `${(s.availability * 100).toFixed(2)} %`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section className="card" aria-labelledby="ir-inc">
            <h2 id="ir-inc">{msg('analytics.impactReport.incidents')}</h2>
            <table className="table figures">
              <tbody>
                <tr>
                  <th scope="row">{msg('analytics.impactReport.incidents')}</th>
                  <td>{d.incidents.total_incident_count}</td>
                </tr>
                <tr>
                  <th scope="row">{msg('analytics.impactReport.mean_time_to_acknowledge')}</th>
                  <td>{secs(d.incidents.mean_seconds_to_first_ack)}</td>
                </tr>
                <tr>
                  <th scope="row">{msg('analytics.impactReport.mean_time_to_resolve')}</th>
                  <td>{secs(d.incidents.mean_seconds_to_resolve)}</td>
                </tr>
                <tr>
                  <th scope="row">{msg('analytics.impactReport.postmortems_published')}</th>
                  <td>{d.postmortems_published.length}</td>
                </tr>
                <tr>
                  <th scope="row">{msg('analytics.impactReport.action_items_closed')}</th>
                  <td>{d.action_items_closed}</td>
                </tr>
              </tbody>
            </table>
          </section>
          <section className="card" aria-labelledby="ir-vol">
            <h2 id="ir-vol">{msg('analytics.impactReport.volunteer_hours_given')}</h2>
            {d.volunteer_hours.length === 0 ? (
              <Notice>{msg('analytics.impactReport.no_volunteer_hours_in_this_period')}</Notice>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{msg('analytics.impactReport.partner_company')}</th>
                    <th scope="col">{msg('analytics.impactReport.volunteers')}</th>
                    <th scope="col">{msg('analytics.impactReport.hours')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.volunteer_hours.map((v) => (
                    <tr key={v.company}>
                      <th scope="row">{v.company}</th>
                      <td>{v.volunteers}</td>
                      <td>{n(v.total_hours, 1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      )}
    </>
  );
}
