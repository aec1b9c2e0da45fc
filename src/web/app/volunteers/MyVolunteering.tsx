import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import type { AvailabilityView, AvailabilityWindow, CalendarFeed, OpenShift, Session, ShiftTrade } from '../../data/types';
import { DAYS, actOnTrade, addUnavailable, claim, giveBack, offerShift, openShiftsAll, consent, pendingTrades, volunteerSettings, availability, describeWindow, myHistory, myIncidents, myProfile, pause, removeUnavailable, resume, saveWindows, weekdaysOf, weeklyRule } from '../../data/volunteers';
import { Link } from '../router';
import { CopyButton, ErrorBox, Field, Loading, Notice, PageHeader, StatusBadge, Time } from '../ui';
import { myFeed, webcal } from '../../data/schedules';

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
  if (me.data === undefined) return <Loading what="your volunteering" />;
  if (me.data === null)
    return (
      <>
        <PageHeader title="My volunteering" />
        <Notice>You have no volunteer profile in {session.organization.name} yet. Ask a coordinator to add one.</Notice>
      </>
    );
  const v = me.data;
  const paused = v.status === 'paused';
  return (
    <>
      <PageHeader title="My volunteering" />
      {!v.consent.current && (
        <Notice tone="warn">
          You have not agreed to the current volunteer terms: you are not paged until you do.
          {settings.data?.terms_version && (
            <span className="key-line">
              {settings.data.terms_url && <a href={settings.data.terms_url}>Read the terms (version {settings.data.terms_version})</a>}
              <button type="button" className="btn btn-primary btn-small" disabled={agree.busy} onClick={() => void agree.run(settings.data!.terms_version!)}>
                I agree to the terms
              </button>
            </span>
          )}
          <ErrorBox error={agree.error} />
        </Notice>
      )}
      <div className="grid">
        <section className="card" aria-labelledby="pause-h">
          <h2 id="pause-h">{paused ? 'You are paused' : 'You can be paged'}</h2>
          {paused ? (
            <>
              <p>
                Nobody pages you until you resume{v.paused_at ? <> (paused <Time iso={v.paused_at} />)</> : null}.{v.pause_reason ? ` Reason: ${v.pause_reason}` : ''}
              </p>
              <button type="button" className="btn btn-primary btn-large" disabled={resumeAction.busy} onClick={() => void resumeAction.run()}>
                Resume
              </button>
            </>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void pauseAction.run();
              }}
            >
              <p className="muted small">Takes effect at once: pages not yet sent to you are cancelled. No reason needed.</p>
              <Field label="Reason (optional, coordinators see it)">{(id) => <input id={id} value={reason} maxLength={255} onChange={(e) => setReason(e.target.value)} />}</Field>
              <button type="submit" className="btn btn-primary btn-large" disabled={pauseAction.busy}>
                Pause me
              </button>
            </form>
          )}
          <ErrorBox error={pauseAction.error ?? resumeAction.error} />
          <p className="muted small">
            Caps: at most {v.caps.weekly_hour_cap} h a week, {v.caps.min_rest_hours} h rest between shifts, {v.caps.pages_per_shift} pages a shift.
          </p>
        </section>

        <div className="stack span-2">
          <WeeklyWindows key={v.id} windows={v.availability.windows} zone={v.availability.time_zone} onSaved={() => void Promise.all([me.reload(), view.reload()])} />
          <OneOff view={view.data} error={view.error} onChanged={() => void view.reload()} />
        </div>

        <section className="card span-2" aria-labelledby="shifts-h">
          <h2 id="shifts-h">My shifts</h2>
          <p className="muted small">When you may be paged in the next two weeks: your windows, less unavailability and pauses. Times in {view.data?.available[0]?.time_zone ?? 'the organization’s zone'}.</p>
          <ErrorBox error={view.error} />
          {!view.data ? (
            <Loading what="your shifts" />
          ) : view.data.available.length === 0 ? (
            <p className="muted">No shifts in the next two weeks.</p>
          ) : (
            <ul className="plain shifts" aria-label="My shifts">
              {view.data.available.map((w) => (
                <li key={w.start}>{w.label}</li>
              ))}
            </ul>
          )}
          {view.data?.available_now && <Notice tone="ok">You are on shift now.</Notice>}
          <MyFeed />
        </section>

        <OpenShifts me={session.user.id} onChanged={() => void view.reload()} onOffered={() => setTradeTick((n) => n + 1)} />
        <Trades me={session.user.id} tick={tradeTick} />

        <section className="card" aria-labelledby="my-inc-h">
          <h2 id="my-inc-h">Incidents I can see</h2>
          <ErrorBox error={incidents.error} />
          {!incidents.data ? (
            <Loading what="incidents" />
          ) : incidents.data.incidents.length === 0 ? (
            <p className="muted">{incidents.data.on_shift ? 'No open incidents on your services.' : 'Off shift: you see the incidents of your pools’ services while on shift.'}</p>
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
          <h2 id="hours-h">My hours</h2>
          <ErrorBox error={history.error} />
          {!history.data ? (
            <Loading what="your hours" />
          ) : history.data.hours.length === 0 ? (
            <p className="muted">No hours yet this year.</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label="My hours per month (scrolls sideways)">
              <table className="table">
                <caption className="sr-only">My hours per month</caption>
                <thead>
                  <tr>
                    <th scope="col">Month</th>
                    <th scope="col" className="num">On call</th>
                    <th scope="col" className="num">Responding</th>
                    <th scope="col" className="num">Total</th>
                    <th scope="col">Approved</th>
                  </tr>
                </thead>
                <tbody>
                  {history.data.hours.map((h) => (
                    <tr key={h.month}>
                      <td>{h.month}</td>
                      <td className="num">{h.on_call_hours.toFixed(1)}</td>
                      <td className="num">{h.response_hours.toFixed(1)}</td>
                      <td className="num">{h.total_hours.toFixed(1)}</td>
                      <td>{h.approved ? 'Yes' : 'Not yet'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {history.data && (
            <p className="muted small">
              {history.data.pages.length} pages and {history.data.responses.length} responses in the last 12 months.
            </p>
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
      <h2 id="avail-h">My weekly availability</h2>
      <p className="muted small">In your own time zone ({zone}). An end at or before the start runs into the next day.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        {drafts.length === 0 && <p className="muted">No windows: you are never paged by a pool.</p>}
        {drafts.map((d, i) =>
          d.raw ? (
            <p key={i} className="window">
              {describeWindow(d.raw)}{' '}
              <button type="button" className="btn btn-quiet btn-small" onClick={() => setDrafts((ds) => ds.filter((_, j) => j !== i))}>
                Remove
              </button>
            </p>
          ) : (
            <fieldset key={i} className="window">
              <legend>Window {i + 1}</legend>
              <div className="days">
                {DAYS.map(([code, label]) => (
                  <label key={code} className="day">
                    <input type="checkbox" checked={d.days.includes(code)} onChange={(e) => set(i, { days: e.target.checked ? [...d.days, code] : d.days.filter((x) => x !== code) })} />
                    {label}
                  </label>
                ))}
              </div>
              <div className="row-form">
                <Field label={`From (window ${i + 1})`}>{(id) => <input id={id} type="time" value={d.start} onChange={(e) => set(i, { start: e.target.value })} />}</Field>
                <Field label={`Until (window ${i + 1})`}>{(id) => <input id={id} type="time" value={d.end} onChange={(e) => set(i, { end: e.target.value })} />}</Field>
                <button type="button" className="btn btn-quiet btn-small" onClick={() => setDrafts((ds) => ds.filter((_, j) => j !== i))}>
                  Remove window {i + 1}
                </button>
              </div>
            </fieldset>
          ),
        )}
        <div className="row-form">
          <button type="button" className="btn btn-secondary" onClick={() => setDrafts((ds) => [...ds, { days: [], start: '18:00', end: '22:00', raw: null }])}>
            Add a window
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.busy}>
            Save availability
          </button>
        </div>
        <ErrorBox error={save.error} />
        {saved && <Notice tone="ok">Availability saved.</Notice>}
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
      <h2 id="away-h">Away (one-off unavailability)</h2>
      <ErrorBox error={error ?? remove.error} />
      {view && view.availability.unavailable.length > 0 && (
        <ul className="plain" aria-label="Away">
          {view.availability.unavailable.map((u) => (
            <li key={u.id} className="rule">
              <span>
                {new Date(u.start).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })} – {new Date(u.end).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
                {u.reason ? <span className="muted"> · {u.reason}</span> : null}
              </span>
              <button type="button" className="btn btn-quiet btn-small" disabled={remove.busy} onClick={() => void remove.run(u.id)} aria-label={`Remove away from ${u.start}`}>
                Remove
              </button>
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
        <Field label="Away from">{(id) => <input id={id} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />}</Field>
        <Field label="Back on">{(id) => <input id={id} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}</Field>
        <Field label="Why (optional)">{(id) => <input id={id} value={reason} maxLength={255} placeholder="Exams" onChange={(e) => setReason(e.target.value)} />}</Field>
        <button type="submit" className="btn btn-secondary" disabled={add.busy || !start || !end}>
          Add
        </button>
        <ErrorBox error={add.error} />
      </form>
    </section>
  );
}

const when = (a: string, b: string) => `${new Date(a).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })} – ${new Date(b).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;

/** Offers and swaps waiting for an answer: take a shift someone offers, answer a swap, or withdraw your own. */
function Trades({ me, tick }: { me: string; tick: number }) {
  const trades = useAsync(() => pendingTrades(), [tick]);
  const act = useAction(async (t: ShiftTrade, action: 'accept' | 'decline' | 'withdraw') => (await actOnTrade(t.id, action), trades.reload()));
  if (trades.data === null) return null; // no open-shifts API on this server
  return (
    <section className="card" aria-labelledby="trades-h">
      <h2 id="trades-h">Shift offers and swaps</h2>
      <ErrorBox error={trades.error ?? act.error} />
      {!trades.data ? (
        <Loading what="offers" />
      ) : trades.data.length === 0 ? (
        <p className="muted">Nothing waiting for an answer.</p>
      ) : (
        <ul className="plain" aria-label="Shift offers and swaps">
          {trades.data.map((t) => {
            const mine = t.holder.id === me;
            return (
              <li key={t.id}>
                <p>
                  {t.type === 'shift_swap' ? 'Swap' : 'Offer'}: <strong>{mine ? 'you' : t.holder.summary}</strong> {t.type === 'shift_swap' ? 'give' : 'offer'}
                  {mine ? '' : 's'} {when(t.start, t.end)} <span className="muted small">({t.schedule.summary})</span>
                  {t.with && (
                    <>
                      {' '}
                      for {when(t.with.start, t.with.end)} of {t.with.user.id === me ? 'yours' : t.with.user.summary}
                    </>
                  )}
                  {t.note ? <span className="muted"> · {t.note}</span> : null}
                </p>
                <div className="row-form">
                  {mine ? (
                    <button type="button" className="btn btn-quiet btn-small" disabled={act.busy} onClick={() => void act.run(t, 'withdraw')}>
                      Withdraw
                    </button>
                  ) : (
                    <>
                      <button type="button" className="btn btn-primary btn-small" disabled={act.busy} onClick={() => void act.run(t, 'accept')}>
                        {t.type === 'shift_swap' ? 'Accept the swap' : 'Take this shift'}
                      </button>
                      {(t.to?.id === me || t.with?.user.id === me) && (
                        <button type="button" className="btn btn-quiet btn-small" disabled={act.busy} onClick={() => void act.run(t, 'decline')}>
                          Decline
                        </button>
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
        {feed ? 'Make a new calendar link' : 'Calendar link for my on-call shifts'}
      </button>
      <ErrorBox error={make.error} />
      {feed && (
        <Notice tone="ok">
          Subscribe to this address in your calendar app; it is shown once and keeps your shifts of the next weeks up to date.
          <span className="key-line">
            <code className="key" data-testid="feed-user">
              {feed.url}
            </code>
            <CopyButton text={feed.url} label="Copy my calendar address" />
          </span>
          <a href={webcal(feed.url)}>Open in my calendar app</a>
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
      <h2 id="open-h">Open shifts</h2>
      <p className="muted small">Shifts nobody holds yet. Claim the ones that suit you; you can give one back until it starts.</p>
      <ErrorBox error={shifts.error ?? take.error ?? back.error ?? offer.error} />
      {!shifts.data ? (
        <Loading what="open shifts" />
      ) : list.length === 0 ? (
        <p className="muted">No open shifts in the next two weeks.</p>
      ) : (
        <ul className="plain" aria-label="Open shifts">
          {list.slice(0, 20).map((o) => {
            const mine = o.claims.find((c) => c.user.id === me && c.status === 'active');
            return (
              <li key={`${o.schedule.id}-${o.id}`} className="rule">
                <span>
                  {o.label} <span className="muted small">· {o.schedule.summary}</span> {mine && <span className="badge badge-resolved">Yours</span>}
                </span>
                {mine ? (
                  <span className="rotation-actions">
                    <button type="button" className="btn btn-quiet btn-small" disabled={offer.busy} onClick={() => void offer.run(o, mine)} aria-label={`Offer to others: ${o.label}`}>
                      Offer to others
                    </button>
                    <button type="button" className="btn btn-quiet btn-small" disabled={back.busy} onClick={() => void back.run(mine.id)} aria-label={`Give back ${o.label}`}>
                      Give back
                    </button>
                  </span>
                ) : (
                  <button type="button" className="btn btn-secondary btn-small" disabled={take.busy} onClick={() => void take.run(o)} aria-label={`Claim ${o.label}`}>
                    Claim
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
