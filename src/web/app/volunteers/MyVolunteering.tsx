import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import type { AvailabilityView, AvailabilityWindow, CalendarFeed, OpenShift, Session, ShiftTrade } from '../../data/types';
import { DAYS, actOnTrade, addUnavailable, claim, giveBack, offerShift, openShiftsAll, consent, pendingTrades, volunteerSettings, availability, describeWindow, myHistory, myIncidents, myProfile, pause, removeUnavailable, resume, saveWindows, weekdaysOf, weeklyRule } from '../../data/volunteers';
import { Link } from '../router';
import { CopyButton, ErrorBox, Field, Loading, Notice, PageHeader, StatusBadge, Time } from '../ui';
import { myFeed, webcal } from '../../data/schedules';
import { fmtLocal, msg } from '../../i18n';

/**
 * A volunteer's own page: pause me, my availability (weekly windows in my zone and
 * one-off unavailability), my shifts (when I may be paged in the next two weeks),
 * what I may see now, and my hours. Uses only the endpoints open to volunteers.
 */
export function MyVolunteering({ session }: { session: Session }) {
  const me = useAsync(() => myProfile(), []);
  const view = useAsync(() => availability('me'), []);
  const history = useAsync(() => myHistory(), []);
  const incidents = useAsync(() => myIncidents(), []);
  const [reason, setReason] = useState('');
  const pauseAction = useAction(async () => (await pause('me', reason.trim()), setReason(''), me.reload(), view.reload()));
  const resumeAction = useAction(async () => (await resume('me'), me.reload(), view.reload()));
  const settings = useAsync(() => volunteerSettings(), []);
  const [tradeTick, setTradeTick] = useState(0);
  const agree = useAction(async (version: string) => (await consent('me', version), me.reload()));

  if (me.error) return <ErrorBox error={me.error} />;
  if (me.data === undefined) return <Loading what={msg('volunteers.myVolunteering.your_volunteering')} />;
  if (me.data === null)
    return (
      <>
        <PageHeader title={msg('volunteers.myVolunteering.my_volunteering')} />
        <Notice>{msg('volunteers.myVolunteering.you_have_no_volunteer_profile_in')}{' '}{session.organization.name}{' '}{msg('volunteers.myVolunteering.yet_ask_a_coordinator_to_add')}</Notice>
      </>
    );
  const v = me.data;
  const paused = v.status === 'paused';
  return (
    <>
      <PageHeader title={msg('volunteers.myVolunteering.my_volunteering')} />
      {!v.consent.current && (
        <Notice tone="warn">{msg('volunteers.myVolunteering.you_have_not_agreed_to_the')}{settings.data?.terms_version && (
            <span className="key-line">
              {settings.data.terms_url && <a href={settings.data.terms_url}>{msg('volunteers.myVolunteering.read_the_terms_version')}{' '}{settings.data.terms_version})</a>}
              <button type="button" className="btn btn-primary btn-small" disabled={agree.busy} onClick={() => void agree.run(settings.data!.terms_version!)}>{msg('volunteers.myVolunteering.i_agree_to_the_terms')}</button>
            </span>
          )}
          <ErrorBox error={agree.error} />
        </Notice>
      )}
      <div className="grid">
        <section className="card" aria-labelledby="pause-h">
          <h2 id="pause-h">{paused ? msg('volunteers.myVolunteering.you_are_paused') : msg('volunteers.myVolunteering.you_can_be_paged')}</h2>
          {paused ? (
            <>
              <p>{msg('volunteers.myVolunteering.nobody_pages_you_until_you_resume')}{v.paused_at ? <>{' '}{msg('volunteers.myVolunteering.paused')}{' '}<Time iso={v.paused_at} />)</> : null}.{v.pause_reason ? msg('volunteers.myVolunteering.reason', { pause_reason: v.pause_reason }) : ''}
              </p>
              <button type="button" className="btn btn-primary btn-large" disabled={resumeAction.busy} onClick={() => void resumeAction.run()}>{msg('volunteers.myVolunteering.resume')}</button>
            </>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void pauseAction.run();
              }}
            >
              <p className="muted small">{msg('volunteers.myVolunteering.takes_effect_at_once_pages_not')}</p>
              <Field label={msg('volunteers.myVolunteering.reason_optional_coordinators_see_it')}>{(id) => <input id={id} value={reason} maxLength={255} onChange={(e) => setReason(e.target.value)} />}</Field>
              <button type="submit" className="btn btn-primary btn-large" disabled={pauseAction.busy}>{msg('volunteers.myVolunteering.pause_me')}</button>
            </form>
          )}
          <ErrorBox error={pauseAction.error ?? resumeAction.error} />
          <p className="muted small">{msg('volunteers.myVolunteering.caps_at_most')}{' '}{v.caps.weekly_hour_cap}{' '}{msg('volunteers.myVolunteering.h_a_week')}{' '}{v.caps.min_rest_hours}{' '}{msg('volunteers.myVolunteering.h_rest_between_shifts')}{' '}{v.caps.pages_per_shift}{' '}{msg('volunteers.myVolunteering.pages_a_shift')}</p>
        </section>

        <div className="stack span-2">
          <WeeklyWindows key={v.id} windows={v.availability.windows} zone={v.availability.time_zone} onSaved={() => void Promise.all([me.reload(), view.reload()])} />
          <OneOff view={view.data} error={view.error} onChanged={() => void view.reload()} />
        </div>

        <section className="card span-2" aria-labelledby="shifts-h">
          <h2 id="shifts-h">{msg('volunteers.myVolunteering.my_shifts')}</h2>
          <p className="muted small">{msg('volunteers.myVolunteering.when_you_may_be_paged_in')}{' '}{view.data?.available[0]?.time_zone ?? msg('volunteers.myVolunteering.the_organization_s_zone')}.</p>
          <ErrorBox error={view.error} />
          {!view.data ? (
            <Loading what={msg('volunteers.myVolunteering.your_shifts')} />
          ) : view.data.available.length === 0 ? (
            <p className="muted">{msg('volunteers.myVolunteering.no_shifts_in_the_next_two')}</p>
          ) : (
            <ul className="plain shifts" aria-label={msg('volunteers.myVolunteering.my_shifts')}>
              {view.data.available.map((w) => (
                <li key={w.start}>{w.label}</li>
              ))}
            </ul>
          )}
          {view.data?.available_now && <Notice tone="ok">{msg('volunteers.myVolunteering.you_are_on_shift_now')}</Notice>}
          <MyFeed />
        </section>

        <OpenShifts me={session.user.id} onChanged={() => void view.reload()} onOffered={() => setTradeTick((n) => n + 1)} />
        <Trades me={session.user.id} tick={tradeTick} />

        <section className="card" aria-labelledby="my-inc-h">
          <h2 id="my-inc-h">{msg('volunteers.myVolunteering.incidents_i_can_see')}</h2>
          <ErrorBox error={incidents.error} />
          {!incidents.data ? (
            <Loading what={msg('volunteers.myVolunteering.incidents')} />
          ) : incidents.data.incidents.length === 0 ? (
            <p className="muted">{incidents.data.on_shift ? msg('volunteers.myVolunteering.no_open_incidents_on_your_services') : msg('volunteers.myVolunteering.off_shift_you_see_the_incidents')}</p>
          ) : (
            <ul className="plain">
              {incidents.data.incidents.map((i) => (
                <li key={i.id}>
                  <StatusBadge status={i.status} /> <Link to={`/incidents/${i.id}`}>#{i.incident_number} {i.title}</Link> <span className="muted small">{i.service.summary}</span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card span-2" aria-labelledby="hours-h">
          <h2 id="hours-h">{msg('volunteers.myVolunteering.my_hours')}</h2>
          <ErrorBox error={history.error} />
          {!history.data ? (
            <Loading what={msg('volunteers.myVolunteering.your_hours')} />
          ) : history.data.hours.length === 0 ? (
            <p className="muted">{msg('volunteers.myVolunteering.no_hours_yet_this_year')}</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={msg('volunteers.myVolunteering.hours_region')}>
              <table className="table">
                <caption className="sr-only">{msg('volunteers.myVolunteering.my_hours_per_month')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{msg('volunteers.myVolunteering.month')}</th>
                    <th scope="col" className="num">{msg('volunteers.myVolunteering.on_call')}</th>
                    <th scope="col" className="num">{msg('volunteers.myVolunteering.responding')}</th>
                    <th scope="col" className="num">{msg('volunteers.myVolunteering.total')}</th>
                    <th scope="col">{msg('volunteers.myVolunteering.approved')}</th>
                  </tr>
                </thead>
                <tbody>
                  {history.data.hours.map((h) => (
                    <tr key={h.month}>
                      <td>{h.month}</td>
                      <td className="num">{h.on_call_hours.toFixed(1)}</td>
                      <td className="num">{h.response_hours.toFixed(1)}</td>
                      <td className="num">{h.total_hours.toFixed(1)}</td>
                      <td>{h.approved ? msg('volunteers.myVolunteering.yes') : msg('volunteers.myVolunteering.not_yet')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {history.data && (
            <p className="muted small">
              {history.data.pages.length}{' '}{msg('volunteers.myVolunteering.pages_and')}{' '}{history.data.responses.length}{' '}{msg('volunteers.myVolunteering.responses_in_the_last_12_months')}</p>
          )}
        </section>
      </div>
    </>
  );
}

interface Draft {
  days: string[];
  start: string;
  end: string;
  /** A rule the simple form cannot edit (monthly, say): kept as it is. */
  raw: AvailabilityWindow | null;
}

function WeeklyWindows({ windows, zone, onSaved }: { windows: AvailabilityWindow[]; zone: string; onSaved: () => void }) {
  const [drafts, setDrafts] = useState<Draft[]>(() => windows.map((w) => ({ days: weekdaysOf(w.rrule) ?? [], start: w.start, end: w.end, raw: weekdaysOf(w.rrule) ? null : w })));
  const [saved, setSaved] = useState(false);
  useEffect(() => setSaved(false), [drafts]);
  const save = useAction(async () => {
    const out: AvailabilityWindow[] = drafts.filter((d) => d.raw || d.days.length > 0).map((d) => d.raw ?? { rrule: weeklyRule(d.days), start: d.start, end: d.end });
    await saveWindows('me', out);
    setSaved(true);
    onSaved();
  });
  const set = (i: number, patch: Partial<Draft>) => setDrafts((ds) => ds.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  return (
    <section className="card" aria-labelledby="avail-h">
      <h2 id="avail-h">{msg('volunteers.myVolunteering.my_weekly_availability')}</h2>
      <p className="muted small">{msg('volunteers.myVolunteering.in_your_own_time_zone')}{zone}{msg('volunteers.myVolunteering.an_end_at_or_before_the')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        {drafts.length === 0 && <p className="muted">{msg('volunteers.myVolunteering.no_windows_you_are_never_paged')}</p>}
        {drafts.map((d, i) =>
          d.raw ? (
            <p key={i} className="window">
              {describeWindow(d.raw)}{' '}
              <button type="button" className="btn btn-quiet btn-small" onClick={() => setDrafts((ds) => ds.filter((_, j) => j !== i))}>{msg('volunteers.myVolunteering.remove')}</button>
            </p>
          ) : (
            <fieldset key={i} className="window">
              <legend>{msg('volunteers.myVolunteering.window')}{' '}{i + 1}</legend>
              <div className="days">
                {DAYS.map(([code, label]) => (
                  <label key={code} className="day">
                    <input type="checkbox" checked={d.days.includes(code)} onChange={(e) => set(i, { days: e.target.checked ? [...d.days, code] : d.days.filter((x) => x !== code) })} />
                    {label}
                  </label>
                ))}
              </div>
              <div className="row-form">
                <Field label={msg('volunteers.myVolunteering.from_window', { v0: i + 1 })}>{(id) => <input id={id} type="time" value={d.start} onChange={(e) => set(i, { start: e.target.value })} />}</Field>
                <Field label={msg('volunteers.myVolunteering.until_window', { v0: i + 1 })}>{(id) => <input id={id} type="time" value={d.end} onChange={(e) => set(i, { end: e.target.value })} />}</Field>
                <button type="button" className="btn btn-quiet btn-small" onClick={() => setDrafts((ds) => ds.filter((_, j) => j !== i))}>{msg('volunteers.myVolunteering.remove_window')}{' '}{i + 1}
                </button>
              </div>
            </fieldset>
          ),
        )}
        <div className="row-form">
          <button type="button" className="btn btn-secondary" onClick={() => setDrafts((ds) => [...ds, { days: [], start: '18:00', end: '22:00', raw: null }])}>{msg('volunteers.myVolunteering.add_a_window')}</button>
          <button type="submit" className="btn btn-primary" disabled={save.busy}>{msg('volunteers.myVolunteering.save_availability')}</button>
        </div>
        <ErrorBox error={save.error} />
        {saved && <Notice tone="ok">{msg('volunteers.myVolunteering.availability_saved')}</Notice>}
      </form>
    </section>
  );
}

function OneOff({ view, error, onChanged }: { view: AvailabilityView | undefined; error: Error | null; onChanged: () => void }) {
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [reason, setReason] = useState('');
  const add = useAction(async () => (await addUnavailable('me', new Date(start).toISOString(), new Date(end).toISOString(), reason.trim()), setStart(''), setEnd(''), setReason(''), onChanged()));
  const remove = useAction(async (id: string) => (await removeUnavailable('me', id), onChanged()));
  return (
    <section className="card" aria-labelledby="away-h">
      <h2 id="away-h">{msg('volunteers.myVolunteering.away_one_off_unavailability')}</h2>
      <ErrorBox error={error ?? remove.error} />
      {view && view.availability.unavailable.length > 0 && (
        <ul className="plain" aria-label={msg('volunteers.myVolunteering.away')}>
          {view.availability.unavailable.map((u) => (
            <li key={u.id} className="rule">
              <span>
                {fmtLocal(u.start, { dateStyle: 'medium', timeStyle: 'short' })} – {fmtLocal(u.end, { dateStyle: 'medium', timeStyle: 'short' })}
                {u.reason ? <span className="muted"> · {u.reason}</span> : null}
              </span>
              <button type="button" className="btn btn-quiet btn-small" disabled={remove.busy} onClick={() => void remove.run(u.id)} aria-label={msg('volunteers.myVolunteering.remove_away_from', { start: u.start })}>{msg('volunteers.myVolunteering.remove')}</button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="row-form"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <Field label={msg('volunteers.myVolunteering.away_from')}>{(id) => <input id={id} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />}</Field>
        <Field label={msg('volunteers.myVolunteering.back_on')}>{(id) => <input id={id} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}</Field>
        <Field label={msg('volunteers.myVolunteering.why_optional')}>{(id) => <input id={id} value={reason} maxLength={255} placeholder={msg('volunteers.myVolunteering.exams')} onChange={(e) => setReason(e.target.value)} />}</Field>
        <button type="submit" className="btn btn-secondary" disabled={add.busy || !start || !end}>{msg('volunteers.myVolunteering.add')}</button>
        <ErrorBox error={add.error} />
      </form>
    </section>
  );
}

const when = (a: string, b: string) => `${fmtLocal(a, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })} – ${fmtLocal(b, { hour: '2-digit', minute: '2-digit' })}`;

/** Offers and swaps waiting for an answer: take a shift someone offers, answer a swap, or withdraw your own. */
function Trades({ me, tick }: { me: string; tick: number }) {
  const trades = useAsync(() => pendingTrades(), [tick]);
  const act = useAction(async (t: ShiftTrade, action: 'accept' | 'decline' | 'withdraw') => (await actOnTrade(t.id, action), trades.reload()));
  if (trades.data === null) return null; // no open-shifts API on this server
  return (
    <section className="card" aria-labelledby="trades-h">
      <h2 id="trades-h">{msg('volunteers.myVolunteering.shift_offers_and_swaps')}</h2>
      <ErrorBox error={trades.error ?? act.error} />
      {!trades.data ? (
        <Loading what={msg('volunteers.myVolunteering.offers')} />
      ) : trades.data.length === 0 ? (
        <p className="muted">{msg('volunteers.myVolunteering.nothing_waiting_for_an_answer')}</p>
      ) : (
        <ul className="plain" aria-label={msg('volunteers.myVolunteering.shift_offers_and_swaps')}>
          {trades.data.map((t) => {
            const mine = t.holder.id === me;
            return (
              <li key={t.id}>
                <p>
                  {t.type === 'shift_swap' ? msg('volunteers.myVolunteering.swap') : msg('volunteers.myVolunteering.offer')}: <strong>{mine ? msg('volunteers.myVolunteering.you') : t.holder.summary}</strong> {t.type === 'shift_swap' ? msg('volunteers.myVolunteering.give') : msg('volunteers.myVolunteering.offer_2')}
                  {mine ? '' : 's'} {when(t.start, t.end)} <span className="muted small">({t.schedule.summary})</span>
                  {t.with && (
                    <>
                      {' '}{msg('volunteers.myVolunteering.for')}{' '}{when(t.with.start, t.with.end)}{' '}{msg('volunteers.myVolunteering.of')}{' '}{t.with.user.id === me ? msg('volunteers.myVolunteering.yours') : t.with.user.summary}
                    </>
                  )}
                  {t.note ? <span className="muted"> · {t.note}</span> : null}
                </p>
                <div className="row-form">
                  {mine ? (
                    <button type="button" className="btn btn-quiet btn-small" disabled={act.busy} onClick={() => void act.run(t, 'withdraw')}>{msg('volunteers.myVolunteering.withdraw')}</button>
                  ) : (
                    <>
                      <button type="button" className="btn btn-primary btn-small" disabled={act.busy} onClick={() => void act.run(t, 'accept')}>
                        {t.type === 'shift_swap' ? msg('volunteers.myVolunteering.accept_the_swap') : msg('volunteers.myVolunteering.take_this_shift')}
                      </button>
                      {(t.to?.id === me || t.with?.user.id === me) && (
                        <button type="button" className="btn btn-quiet btn-small" disabled={act.busy} onClick={() => void act.run(t, 'decline')}>{msg('volunteers.myVolunteering.decline')}</button>
                      )}
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** Your on-call shifts (schedules, claimed open shifts, overrides) in your own calendar app. */
function MyFeed() {
  const [feed, setFeed] = useState<CalendarFeed | null>(null);
  const make = useAction(async () => setFeed(await myFeed()));
  return (
    <div className="my-feed">
      <button type="button" className="btn btn-secondary" disabled={make.busy} onClick={() => void make.run()}>
        {feed ? msg('volunteers.myVolunteering.make_a_new_calendar_link') : msg('volunteers.myVolunteering.calendar_link_for_my_on_call')}
      </button>
      <ErrorBox error={make.error} />
      {feed && (
        <Notice tone="ok">{msg('volunteers.myVolunteering.subscribe_to_this_address_in_your')}<span className="key-line">
            <code className="key" data-testid="feed-user">
              {feed.url}
            </code>
            <CopyButton text={feed.url} label={msg('volunteers.myVolunteering.copy_my_calendar_address')} />
          </span>
          <a href={webcal(feed.url)}>{msg('volunteers.myVolunteering.open_in_my_calendar_app')}</a>
        </Notice>
      )}
    </div>
  );
}

/**
 * Open shifts of the next two weeks: claim one (Vigil checks availability, caps,
 * rest and consent, and a refusal names the rule), or give back one you claimed.
 */
function OpenShifts({ me, onChanged, onOffered }: { me: string; onChanged: () => void; onOffered: () => void }) {
  const shifts = useAsync(() => openShiftsAll(), []);
  const offer = useAction(async (o: OpenShift, c: { start: string; end: string }) => (await offerShift(o.schedule.id, c.start, c.end), onOffered()));
  const take = useAction(async (o: OpenShift) => (await claim(o.schedule.id, o.id), shifts.reload(), onChanged()));
  const back = useAction(async (claimId: string) => (await giveBack(claimId), shifts.reload(), onChanged()));
  if (shifts.data === null) return null;
  const list = (shifts.data ?? []).filter((o) => o.status !== 'claimed' || o.claims.some((c) => c.user.id === me && c.status === 'active'));
  return (
    <section className="card span-2" aria-labelledby="open-h">
      <h2 id="open-h">{msg('volunteers.myVolunteering.open_shifts')}</h2>
      <p className="muted small">{msg('volunteers.myVolunteering.shifts_nobody_holds_yet_claim_the')}</p>
      <ErrorBox error={shifts.error ?? take.error ?? back.error ?? offer.error} />
      {!shifts.data ? (
        <Loading what={msg('volunteers.myVolunteering.open_shifts_2')} />
      ) : list.length === 0 ? (
        <p className="muted">{msg('volunteers.myVolunteering.no_open_shifts_in_the_next')}</p>
      ) : (
        <ul className="plain" aria-label={msg('volunteers.myVolunteering.open_shifts')}>
          {list.slice(0, 20).map((o) => {
            const mine = o.claims.find((c) => c.user.id === me && c.status === 'active');
            return (
              <li key={`${o.schedule.id}-${o.id}`} className="rule">
                <span>
                  {o.label} <span className="muted small">· {o.schedule.summary}</span> {mine && <span className="badge badge-resolved">{msg('volunteers.myVolunteering.yours_2')}</span>}
                </span>
                {mine ? (
                  <span className="rotation-actions">
                    <button type="button" className="btn btn-quiet btn-small" disabled={offer.busy} onClick={() => void offer.run(o, mine)} aria-label={msg('volunteers.myVolunteering.offer_to_others_2', { label: o.label })}>{msg('volunteers.myVolunteering.offer_to_others')}</button>
                    <button type="button" className="btn btn-quiet btn-small" disabled={back.busy} onClick={() => void back.run(mine.id)} aria-label={msg('volunteers.myVolunteering.give_back_2', { label: o.label })}>{msg('volunteers.myVolunteering.give_back')}</button>
                  </span>
                ) : (
                  <button type="button" className="btn btn-secondary btn-small" disabled={take.busy} onClick={() => void take.run(o)} aria-label={msg('volunteers.myVolunteering.claim_2', { label: o.label })}>{msg('volunteers.myVolunteering.claim')}</button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
