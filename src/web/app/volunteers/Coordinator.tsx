import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import type { CoverageGap, LedgerLine, Session, Volunteer, VolunteerPool } from '../../data/types';
import { addToPool, addVolunteer, approve, claimFor, coverageGaps, ledger, removeFromPool, ledgerCsvUrl, listPools, listVolunteers, poolStatus, thisMonth } from '../../data/volunteers';
import { Link } from '../router';
import { ErrorBox, Field, Loading, Notice, PageHeader, Time } from '../ui';
import { fmtNumber, msg } from '../../i18n';

/**
 * The coordinator's page: each pool's coverage now (whom it would page, and why not
 * the others), the volunteers, and the month's hours ledger with approval and a CSV
 * export for partner companies.
 */
export function Coordinator({ session }: { session: Session }) {
  const pools = useAsync(() => listPools(), []);
  const volunteers = useAsync(() => listVolunteers(), []);
  const [month, setMonth] = useState(thisMonth());
  const lines = useAsync(() => ledger(month), [month]);
  const manage = canManage(session.user.role);
  const gaps = useAsync(() => coverageGaps(), []);
  const approveAction = useAction(async (userId: string) => (await approve(userId, month), lines.reload()));

  return (
    <>
      <PageHeader title={msg('volunteers.coordinator.volunteers')} />
      <div className="grid">
        <section className="card span-2" aria-labelledby="cov-h">
          <h2 id="cov-h">{msg('volunteers.coordinator.pool_coverage_now')}</h2>
          <ErrorBox error={pools.error} />
          {!pools.data ? (
            <Loading what={msg('volunteers.coordinator.pools')} />
          ) : pools.data.length === 0 ? (
            <p className="muted">{msg('volunteers.coordinator.no_volunteer_pools_yet_post_api')}</p>
          ) : (
            pools.data.map((p) => <PoolCoverage key={p.id} pool={p} volunteers={manage ? volunteers.data ?? [] : null} onChanged={() => void pools.reload()} />)
          )}
        </section>

        <section className="card" aria-labelledby="vols-h">
          <h2 id="vols-h">{msg('volunteers.coordinator.volunteers')}</h2>
          <ErrorBox error={volunteers.error} />
          {volunteers.data === undefined ? (
            !volunteers.error && <Loading what={msg('volunteers.coordinator.volunteers_2')} />
          ) : !volunteers.data || volunteers.data.length === 0 ? (
            <p className="muted">{msg('volunteers.coordinator.no_volunteers_yet')}</p>
          ) : (
            <ul className="plain">
              {volunteers.data.map((v) => (
                <li key={v.id}>
                  <Link to={`/users/${v.id}`}>{v.name}</Link> {v.status === 'paused' ? <span className="badge badge-acknowledged">{msg('volunteers.coordinator.paused')}</span> : <span className="badge badge-resolved">{msg('volunteers.coordinator.active')}</span>}
                  <br />
                  <span className="muted small">
                    {v.company?.summary ? `${v.company.summary} · ` : ''}
                    {v.availability.time_zone}
                    {!v.consent.current ? msg('volunteers.coordinator.has_not_consented_to_the_current') : ''}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {manage && <AddVolunteer defaultZone={session.organization.time_zone} onAdded={() => void volunteers.reload()} />}
        </section>

        <section className="card span-3" aria-labelledby="gaps-h">
          <h2 id="gaps-h">{msg('volunteers.coordinator.coverage_gaps_next_7_days')}</h2>
          <ErrorBox error={gaps.error} />
          {gaps.data === undefined ? (
            !gaps.error && <Loading what={msg('volunteers.coordinator.coverage_gaps')} />
          ) : gaps.data === null ? (
            <p className="muted">{msg('volunteers.coordinator.this_server_does_not_report_coverage')}</p>
          ) : gaps.data.coverage_gaps.length === 0 ? (
            <p className="ok-text">{msg('volunteers.coordinator.every_schedule_is_covered_for_the')}</p>
          ) : (
            <>
              <p>
                <strong>{fmtNumber(gaps.data.total_hours)}{' '}{msg('volunteers.coordinator.hours')}</strong>{' '}{msg('volunteers.coordinator.uncovered')}{gaps.data.time_zone}).
              </p>
              <ul className="plain gaps" aria-label={msg('volunteers.coordinator.coverage_gaps_2')}>
                {gaps.data.coverage_gaps.slice(0, 30).map((g) => (
                  <GapItem key={`${g.schedule.id}-${g.start}`} gap={g} volunteers={manage ? volunteers.data ?? [] : []} onClaimed={() => void Promise.all([gaps.reload(), lines.reload()])} />
                ))}
              </ul>
              {gaps.data.coverage_gaps.length > 30 && <p className="muted small">{msg('volunteers.coordinator.and')}{' '}{gaps.data.coverage_gaps.length - 30}{' '}{msg('volunteers.coordinator.more')}</p>}
            </>
          )}
        </section>

        <section className="card span-3" aria-labelledby="ledger-h">
          <h2 id="ledger-h">{msg('volunteers.coordinator.hours_ledger')}</h2>
          <div className="row-form">
            <div className="field">
              <label htmlFor="ledger-month">{msg('volunteers.coordinator.month')}</label>
              <input id="ledger-month" type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />
            </div>
            <a className="btn btn-secondary" href={ledgerCsvUrl(month)} download={`volunteer-hours-${month}.csv`}>{msg('volunteers.coordinator.download_csv')}</a>
          </div>
          <ErrorBox error={lines.error ?? approveAction.error} />
          {!lines.data ? (
            <Loading what={msg('volunteers.coordinator.the_ledger')} />
          ) : lines.data.ledger.length === 0 ? (
            <p className="muted">{msg('volunteers.coordinator.no_volunteer_hours_in')}{' '}{month}.</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={msg('volunteers.coordinator.hours_region')}>
              <table className="table">
                <caption className="sr-only">{msg('volunteers.coordinator.volunteer_hours_in')}{' '}{month}</caption>
                <thead>
                  <tr>
                    <th scope="col">{msg('volunteers.coordinator.volunteer')}</th>
                    <th scope="col">{msg('volunteers.coordinator.company')}</th>
                    <th scope="col" className="num">{msg('volunteers.coordinator.on_call')}</th>
                    <th scope="col" className="num">{msg('volunteers.coordinator.responding')}</th>
                    <th scope="col" className="num">{msg('volunteers.coordinator.total')}</th>
                    <th scope="col" className="num">{msg('volunteers.coordinator.incidents')}</th>
                    <th scope="col">{msg('volunteers.coordinator.approval')}</th>
                  </tr>
                </thead>
                <tbody>
                  {lines.data.ledger.map((l) => (
                    <tr key={`${l.user.id}-${l.month}`}>
                      <td>{l.user.summary}</td>
                      <td>{l.company?.summary ?? '—'}</td>
                      <td className="num">{l.on_call_hours.toFixed(1)}</td>
                      <td className="num">{l.response_hours.toFixed(1)}</td>
                      <td className="num">{l.total_hours.toFixed(1)}</td>
                      <td className="num">{l.incidents}</td>
                      <td>
                        {approvedAsShown(l) ? (
                          <span className="badge badge-resolved">{msg('volunteers.coordinator.approved')}{' '}{l.approval.approved_hours?.toFixed(1)} h</span>
                        ) : (
                          <>
                            {l.approval.status === 'changed' && <span className="badge badge-acknowledged">{msg('volunteers.coordinator.changed_since_approval')}{l.approval.approved_hours?.toFixed(1)} h)</span>}{' '}
                            {manage && (
                              <button type="button" className="btn btn-secondary btn-small" disabled={approveAction.busy} onClick={() => void approveAction.run(l.user.id)} aria-label={msg('volunteers.coordinator.approve_s_hours_for', { summary: l.user.summary, month: l.month })}>{msg('volunteers.coordinator.approve')}</button>
                            )}
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </>
  );
}

/** One gap; an unclaimed open shift can be given to a volunteer here (their rules still apply, and a refusal names the rule). */
function GapItem({ gap: g, volunteers, onClaimed }: { gap: CoverageGap; volunteers: Volunteer[]; onClaimed: () => void }) {
  const [who, setWho] = useState('');
  const claim = useAction(async () => (await claimFor(g.schedule.id, g.open_shift_id!, who), onClaimed()));
  return (
    <li>
      <span className={`badge ${g.kind === 'nobody_on_call' ? 'badge-triggered' : 'badge-acknowledged'}`}>{g.kind === 'nobody_on_call' ? msg('volunteers.coordinator.nobody_on_call') : msg('volunteers.coordinator.open_shift_not_claimed')}</span> {g.label}{' '}
      <span className="muted small">
        · {g.schedule.summary} · {g.hours} h
      </span>
      {g.open_shift_id && volunteers.length > 0 && (
        <form
          className="row-form"
          onSubmit={(e) => {
            e.preventDefault();
            void claim.run();
          }}
        >
          <Field label={msg('volunteers.coordinator.volunteer_for', { label: g.label })}>
            {(id) => (
              <select id={id} value={who} onChange={(e) => setWho(e.target.value)}>
                <option value="">{msg('volunteers.coordinator.choose')}</option>
                {volunteers.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-secondary btn-small" disabled={claim.busy || !who}>{msg('volunteers.coordinator.put_on_this_shift')}</button>
          <ErrorBox error={claim.error} />
        </form>
      )}
    </li>
  );
}

/**
 * A month still running keeps adding on-call hours after it is approved; the line
 * reads as approved while the figure shown (to a tenth of an hour) has not moved.
 */
function approvedAsShown(l: LedgerLine): boolean {
  if (l.approval.status === 'approved') return true;
  return l.approval.status === 'changed' && l.approval.approved_hours !== null && l.approval.approved_hours.toFixed(1) === l.total_hours.toFixed(1);
}

/** A volunteer profile for a member invited with the volunteer role (same email), or a new volunteer member. */
function AddVolunteer({ defaultZone, onAdded }: { defaultZone: string; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [zone, setZone] = useState(defaultZone);
  const [added, setAdded] = useState<string | null>(null);
  const add = useAction(async () => {
    const v = await addVolunteer(name.trim(), email.trim(), zone.trim());
    setAdded(v.name);
    setName('');
    setEmail('');
    onAdded();
  });
  return (
    <form
      className="add-volunteer"
      onSubmit={(e) => {
        e.preventDefault();
        setAdded(null);
        void add.run();
      }}
    >
      <h3>{msg('volunteers.coordinator.add_a_volunteer')}</h3>
      <p className="hint">{msg('volunteers.coordinator.for_someone_invited_with_the_volunteer')}</p>
      <Field label={msg('volunteers.coordinator.volunteer_name')}>{(id) => <input id={id} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />}</Field>
      <Field label={msg('volunteers.coordinator.volunteer_email')}>{(id) => <input id={id} type="email" value={email} maxLength={100} onChange={(e) => setEmail(e.target.value)} />}</Field>
      <Field label={msg('volunteers.coordinator.their_time_zone')} hint={msg('volunteers.coordinator.iana_name_their_availability_is_read')}>
        {(id, d) => <input id={id} aria-describedby={d} value={zone} maxLength={64} onChange={(e) => setZone(e.target.value)} />}
      </Field>
      <ErrorBox error={add.error} />
      {added && <Notice tone="ok">{added}{' '}{msg('volunteers.coordinator.is_a_volunteer_now')}</Notice>}
      <button type="submit" className="btn btn-primary" disabled={add.busy || !name.trim() || !email.trim()}>{msg('volunteers.coordinator.add_volunteer')}</button>
    </form>
  );
}

function PoolCoverage({ pool, volunteers, onChanged }: { pool: VolunteerPool; volunteers: Volunteer[] | null; onChanged: () => void }) {
  const status = useAsync(() => poolStatus(pool.id), [pool.id, pool.members.length]);
  const add = useAction(async (userId: string) => (await addToPool(pool.id, userId), onChanged()));
  const remove = useAction(async (userId: string) => (await removeFromPool(pool.id, userId), onChanged()));
  const outside = (volunteers ?? []).filter((v) => !pool.members.some((m) => m.user.id === v.id));
  const ready = status.data?.members.filter((m) => m.qualifies).length ?? 0;
  return (
    <div className="pool" aria-label={msg('volunteers.coordinator.pool', { name: pool.name })}>
      <h3>
        {pool.name} <span className="muted small">({pool.strategy === 'round_robin' ? msg('volunteers.coordinator.round_robin') : msg('volunteers.coordinator.pages_everyone_who_qualifies')})</span>
      </h3>
      <ErrorBox error={status.error} />
      {status.data &&
        (ready === 0 ? (
          <Notice tone="warn">{msg('volunteers.coordinator.nobody_in')}{' '}{pool.name}{' '}{msg('volunteers.coordinator.can_be_paged_now_the_next')}</Notice>
        ) : (
          <p>
            <strong>
              {ready}{' '}{msg('volunteers.coordinator.of')}{' '}{status.data.members.length}
            </strong>{' '}{msg('volunteers.coordinator.can_be_paged_now')}{status.data.would_page.length ? `: ${status.data.would_page.map((w) => w.summary ?? w.id).join(', ')}` : ''}.
          </p>
        ))}
      {status.data && status.data.members.length > 0 && (
        <ul className="plain">
          {status.data.members.map((m) => (
            <li key={m.user.id}>
              {m.qualifies ? <span className="badge badge-resolved">{msg('volunteers.coordinator.can_be_paged')}</span> : <span className="badge">{msg('volunteers.coordinator.not_now')}</span>} {m.user.summary}
              {m.reason && <span className="muted small"> · {m.reason}</span>}
              {m.last_paged_at && (
                <span className="muted small">
                  {' '}{msg('volunteers.coordinator.last_paged')}{' '}<Time iso={m.last_paged_at} />
                </span>
              )}
              {volunteers && (
                <>
                  {' '}
                  <button type="button" className="btn btn-quiet btn-small" disabled={remove.busy} onClick={() => void remove.run(m.user.id)} aria-label={msg('volunteers.coordinator.remove_from', { v0: m.user.summary ?? m.user.id, name: pool.name })}>{msg('volunteers.coordinator.remove')}</button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {pool.services.length > 0 && <p className="muted small">{msg('volunteers.coordinator.serves')}{' '}{pool.services.map((s) => s.summary).join(', ')}</p>}
      {outside.length > 0 && (
        <div className="row-form">
          <Field label={msg('volunteers.coordinator.add_to', { name: pool.name })}>
            {(id) => (
              <select id={id} value="" disabled={add.busy} onChange={(e) => e.target.value && void add.run(e.target.value)}>
                <option value="">{msg('volunteers.coordinator.choose_a_volunteer')}</option>
                {outside.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      )}
      <ErrorBox error={add.error ?? remove.error} />
    </div>
  );
}
