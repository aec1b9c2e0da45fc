import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage, listUsers } from '../../data/people';
import { createOverride, createPolicy, createSchedule, getSchedule, layout, listPolicies, listSchedules, myFeed, savePolicy, scheduleFeed, webcal, type PolicyDraft } from '../../data/schedules';
import type { CalendarFeed, EscalationPolicy, RenderedEntry, Session } from '../../data/types';
import { Link, useLocation } from '../router';
import { LayerEditor } from './LayerEditor';
import { CopyButton, ErrorBox, Field, Loading, Notice, PageHeader } from '../ui';
import { fmtLocal, msg } from '../../i18n';

const DAY = 86_400_000;

function startOfDay(d: Date): Date {
  const x = new Date(d);
  x.setHours(0, 0, 0, 0);
  return x;
}

function Tabs() {
  const { path } = useLocation();
  return (
    <nav className="tabs" aria-label={msg('schedules.schedules.on_call')}>
      <Link to="/schedules" aria-current={path.startsWith('/schedules') ? 'page' : undefined}>{msg('schedules.schedules.schedules')}</Link>
      <Link to="/escalation_policies" aria-current={path.startsWith('/escalation_policies') ? 'page' : undefined}>{msg('schedules.schedules.escalation_policies')}</Link>
    </nav>
  );
}

export function Schedules({ session }: { session: Session }) {
  const schedules = useAsync(() => listSchedules(), []);
  const [chosen, setChosen] = useState<string>('');
  const [range, setRange] = useState<'week' | 'month'>('week');
  const [offset, setOffset] = useState(0);
  const id = chosen || schedules.data?.[0]?.id || '';
  const { since, until, days } = useMemo(() => {
    if (range === 'week') {
      const s = new Date(startOfDay(new Date()).getTime() + offset * 7 * DAY);
      return { since: s, until: new Date(s.getTime() + 7 * DAY), days: 7 };
    }
    // A calendar month in the browser's zone, from the 1st (days may be 23 or 25 hours across DST).
    const today = new Date();
    const s = new Date(today.getFullYear(), today.getMonth() + offset, 1);
    const u = new Date(today.getFullYear(), today.getMonth() + offset + 1, 1);
    return { since: s, until: u, days: Math.round((u.getTime() - s.getTime()) / DAY) };
  }, [range, offset]);
  const schedule = useAsync(() => (id ? getSchedule(id, since, until) : Promise.resolve(null)), [id, since.getTime(), until.getTime()]);
  const manage = canManage(session.user.role);
  // A range dragged on the final schedule fills the override form (the form alone works too, and by keyboard).
  const [draft, setDraft] = useState<{ start: string; end: string; seq: number }>({ start: '', end: '', seq: 0 });

  return (
    <>
      <PageHeader title={msg('schedules.schedules.on_call')} />
      <Tabs />
      <ErrorBox error={schedules.error} />
      {schedules.data === undefined ? (!schedules.error && <Loading what={msg('schedules.schedules.schedules_2')} />) : schedules.data === null ? (
        <Notice>{msg('schedules.schedules.this_server_has_no_schedules_api')}</Notice>
      ) : schedules.data.length === 0 ? (
        manage ? <NewSchedule session={session} onCreated={(sid) => (setChosen(sid), void schedules.reload())} /> : <p>{msg('schedules.schedules.no_schedules_yet')}</p>
      ) : (
        <>
          <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={msg('schedules.schedules.schedule_view')}>
            <Field label={msg('schedules.schedules.schedule')}>
              {(fid) => (
                <select id={fid} value={id} onChange={(e) => setChosen(e.target.value)}>
                  {schedules.data!.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={msg('schedules.schedules.show')}>
              {(fid) => (
                <select id={fid} value={range} onChange={(e) => (setRange(e.target.value as 'week' | 'month'), setOffset(0))}>
                  <option value="week">{msg('schedules.schedules.week')}</option>
                  <option value="month">{msg('schedules.schedules.month')}</option>
                </select>
              )}
            </Field>
            <div className="pager">
              <button type="button" className="btn btn-secondary" onClick={() => setOffset((o) => o - 1)} aria-label={msg('schedules.schedules.earlier')}>
                ←
              </button>
              <button type="button" className="btn btn-secondary" onClick={() => setOffset(0)}>{msg('schedules.schedules.today')}</button>
              <button type="button" className="btn btn-secondary" onClick={() => setOffset((o) => o + 1)} aria-label={msg('schedules.schedules.later')}>
                →
              </button>
            </div>
          </form>
          <ErrorBox error={schedule.error} />
          {schedule.data && (
            <section className="card" aria-labelledby="tl-h">
              <h2 id="tl-h">
                {schedule.data.name} <span className="muted small">({schedule.data.time_zone})</span>
              </h2>
              <DayScale since={since} days={days} />
              <TimelineRow
                label={msg('schedules.schedules.final_schedule')}
                entries={schedule.data.final_schedule.rendered_schedule_entries}
                since={since}
                until={until}
                {...(manage ? { onRange: (a: Date, b: Date) => setDraft((d) => ({ start: toLocalInput(a), end: toLocalInput(b), seq: d.seq + 1 })) } : {})}
              />
              {manage && <p className="hint drag-hint">{msg('schedules.schedules.drag_across_the_final_schedule_to')}</p>}
              {schedule.data.overrides_subschedule && <TimelineRow label={msg('schedules.schedules.overrides')} entries={schedule.data.overrides_subschedule.rendered_schedule_entries} since={since} until={until} noGaps />}
              {schedule.data.schedule_layers.map((l) => (
                <TimelineRow key={l.id} label={l.name} entries={l.rendered_schedule_entries ?? []} since={since} until={until} noGaps />
              ))}
              <p className="legend small">
                <span className="swatch gap" aria-hidden="true" />{' '}{msg('schedules.schedules.nobody_on_call_gap')}{schedule.data.final_schedule.rendered_coverage_percentage !== null && <>{' '}{msg('schedules.schedules.coverage')}{' '}{Math.round(schedule.data.final_schedule.rendered_coverage_percentage)}%</>}
              </p>
              <ShiftList entries={schedule.data.final_schedule.rendered_schedule_entries} since={since} until={until} />
              {manage && <OverrideForm key={draft.seq} scheduleId={schedule.data.id} initialStart={draft.start} initialEnd={draft.end} focusSeq={draft.seq} onDone={() => void schedule.reload()} />}
            </section>
          )}
          {manage && <NewSchedule session={session} onCreated={(sid) => (setChosen(sid), void schedules.reload())} />}
          {schedule.data && manage && <LayerEditor key={`layers-${schedule.data.id}`} schedule={schedule.data} onSaved={() => void schedule.reload()} />}
          {schedule.data && <CalendarLinks key={`feeds-${schedule.data.id}`} scheduleId={schedule.data.id} scheduleName={schedule.data.name} manage={canManage(session.user.role)} />}
        </>
      )}
    </>
  );
}

/** A new schedule: a name and a zone; it starts with one weekly layer of you, to edit below. */
function NewSchedule({ session, onCreated }: { session: Session; onCreated: (id: string) => void }) {
  const [name, setName] = useState('');
  const [zone, setZone] = useState(session.organization.time_zone);
  const create = useAction(async () => {
    const now = new Date();
    now.setMinutes(0, 0, 0);
    const s = await createSchedule(name.trim(), zone.trim(), session.user.id, now.toISOString());
    setName('');
    onCreated(s.id);
  });
  return (
    <details className="card new-schedule">
      <summary>{msg('schedules.schedules.new_schedule')}</summary>
      <form
        className="row-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <Field label={msg('schedules.schedules.schedule_name')}>{(id) => <input id={id} value={name} maxLength={255} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label={msg('schedules.schedules.time_zone')} hint={msg('schedules.schedules.iana_name_e_g_europe_berlin')}>
          {(id, d) => <input id={id} aria-describedby={d} value={zone} maxLength={64} onChange={(e) => setZone(e.target.value)} />}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim() || !zone.trim()}>{msg('schedules.schedules.create_schedule')}</button>
        <ErrorBox error={create.error} />
      </form>
    </details>
  );
}

/**
 * Secret iCalendar links: the schedule's shifts (admins) and your own shifts across
 * every schedule. The server keeps only a hash, so a link is shown once; making a
 * new one revokes the old one (that is how a leaked link is cut off).
 */
function CalendarLinks({ scheduleId, scheduleName, manage }: { scheduleId: string; scheduleName: string; manage: boolean }) {
  const [feeds, setFeeds] = useState<{ schedule?: CalendarFeed; me?: CalendarFeed }>({});
  const forSchedule = useAction(async () => {
    const f = await scheduleFeed(scheduleId);
    setFeeds((x) => ({ ...x, schedule: f }));
  });
  const forMe = useAction(async () => {
    const f = await myFeed();
    setFeeds((x) => ({ ...x, me: f }));
  });
  const show = (f: CalendarFeed, what: string) => (
    <Notice tone="ok">{msg('schedules.schedules.subscribe_to_this_address_in_your')}{' '}{what}).
      <span className="key-line">
        <code className="key" data-testid={`feed-${f.kind}`}>
          {f.url}
        </code>
        <CopyButton text={f.url} label={msg('schedules.schedules.copy_the_calendar_address_for', { what: what })} />
      </span>
      <a href={webcal(f.url)}>{msg('schedules.schedules.open_in_my_calendar_app')}</a>
    </Notice>
  );
  return (
    <section className="card cal-card" aria-labelledby="cal-h">
      <h2 id="cal-h">{msg('schedules.schedules.calendar_feeds')}</h2>
      <p className="muted small">{msg('schedules.schedules.icalendar_ics_links_for_google_calendar')}</p>
      <div className="row-form">
        {manage && (
          <button type="button" className="btn btn-secondary" disabled={forSchedule.busy} onClick={() => void forSchedule.run()}>
            {feeds.schedule ? msg('schedules.schedules.make_a_new_link_for') : msg('schedules.schedules.calendar_link_for')}
            {scheduleName}
          </button>
        )}
        <button type="button" className="btn btn-secondary" disabled={forMe.busy} onClick={() => void forMe.run()}>
          {feeds.me ? msg('schedules.schedules.make_a_new_link_for_my') : msg('schedules.schedules.calendar_link_for_my_shifts')}
        </button>
      </div>
      <ErrorBox error={forSchedule.error ?? forMe.error} />
      {feeds.schedule && show(feeds.schedule, msg('schedules.schedules.the_shifts_of', { scheduleName }))}
      {feeds.me && show(feeds.me, msg('schedules.schedules.your_shifts'))}
    </section>
  );
}

function DayScale({ since, days }: { since: Date; days: number }) {
  const step = days > 7 ? 7 : 1;
  const marks = [];
  for (let i = 0; i < days; i += step) {
    const d = new Date(since.getTime() + i * DAY);
    marks.push(
      <span key={i} style={{ left: `${(i / days) * 100}%` }}>
        <span className="long">{fmtLocal(d, { weekday: step === 1 ? 'short' : undefined, day: 'numeric', month: 'short' })}</span>
        <span className="short">{fmtLocal(d, { day: 'numeric' })}</span>
      </span>,
    );
  }
  return (
    <div className="scale" aria-hidden="true">
      <span className="tl-label" />
      <div className="scale-marks">{marks}</div>
    </div>
  );
}

// Each at least 4.5:1 behind white text (WCAG AA for small text).
const COLORS = ['#1f5fa8', '#2e7d4f', '#8a4fb0', '#8f4f12', '#17706f', '#a83f6a', '#5a6b1f'];
function colorOf(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length]!;
}

/** 'YYYY-MM-DDTHH:mm' in the browser's zone, what <input type="datetime-local"> holds. */
function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const SNAP = 30 * 60_000;

function TimelineRow({ label, entries, since, until, noGaps, onRange }: { label: string; entries: RenderedEntry[]; since: Date; until: Date; noGaps?: boolean; onRange?: (start: Date, end: Date) => void }) {
  const segs = layout(entries, since.getTime(), until.getTime()).filter((s) => !(noGaps && s.gap));
  const fmt = (iso: string) => fmtLocal(iso, { weekday: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const bar = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  // Pointer x → an instant on the bar, snapped to half hours.
  const at = (clientX: number) => {
    const r = bar.current!.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - r.left) / r.width));
    const t = since.getTime() + f * (until.getTime() - since.getTime());
    return Math.round(t / SNAP) * SNAP;
  };
  const pct = (t: number) => ((t - since.getTime()) / (until.getTime() - since.getTime())) * 100;
  const handlers = onRange
    ? {
        onPointerDown: (e: ReactPointerEvent<HTMLDivElement>) => {
          if (e.button !== 0) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          const t = at(e.clientX);
          setDrag({ a: t, b: t });
        },
        onPointerMove: (e: ReactPointerEvent<HTMLDivElement>) => {
          if (drag) setDrag({ ...drag, b: at(e.clientX) });
        },
        onPointerUp: (e: ReactPointerEvent<HTMLDivElement>) => {
          if (!drag) return;
          const b = at(e.clientX);
          setDrag(null);
          const [s0, s1] = drag.a <= b ? [drag.a, b] : [b, drag.a];
          if (s1 - s0 >= SNAP) onRange(new Date(s0), new Date(s1));
        },
        onPointerCancel: () => setDrag(null),
      }
    : {};
  return (
    <div className="tl-row">
      <span className="tl-label">{label}</span>
      <div ref={bar} className={onRange ? 'tl-drag' : 'tl-static'} data-testid={onRange ? 'drag-final' : undefined} {...handlers}>
      {drag && drag.a !== drag.b && <span className="tl-selection" style={{ left: `${pct(Math.min(drag.a, drag.b))}%`, width: `${Math.abs(pct(drag.b) - pct(drag.a))}%` }} aria-hidden="true" />}
      <ul className="tl-bar" aria-label={msg('schedules.schedules.timeline_row_label', { label })}>
        {segs.map((s, i) => (
          <li
            key={i}
            className={s.gap ? 'seg gap' : 'seg'}
            style={{ left: `${s.left}%`, width: `${s.width}%`, ...(s.gap ? {} : { background: colorOf(s.entry.user?.id ?? '') }) }}
            title={`${s.gap ? msg('schedules.schedules.nobody_on_call') : s.entry.user?.summary}: ${fmt(s.entry.start)} – ${fmt(s.entry.end)}`}
          >
            <span className="seg-text">{s.gap ? msg('schedules.schedules.gap') : s.entry.user?.summary}</span>
            {s.gap && <span className="sr-only">{msg('schedules.schedules.nobody_on_call_paren')}</span>}
            <span className="sr-only">
              {' '}
              {fmt(s.entry.start)}{' '}{msg('schedules.schedules.to')}{' '}{fmt(s.entry.end)}
            </span>
          </li>
        ))}
      </ul>
      </div>
    </div>
  );
}

/** The same final schedule as a list: easier to read than a bar on a phone, and for screen readers. */
function ShiftList({ entries, since, until }: { entries: RenderedEntry[]; since: Date; until: Date }) {
  const segs = layout(entries, since.getTime(), until.getTime());
  const fmt = (iso: string) => fmtLocal(iso, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return (
    <details className="shift-list">
      <summary>{msg('schedules.schedules.shifts_as_a_list')}{segs.filter((s) => s.gap).length}{' '}{msg('schedules.schedules.gaps')}</summary>
      <ol className="plain">
        {segs.map((s, i) => (
          <li key={i} className={s.gap ? 'shift-gap' : undefined}>
            <span className="muted small">
              {fmt(s.entry.start)} – {fmt(s.entry.end)}
            </span>{' '}
            <strong>{s.gap ? msg('schedules.schedules.nobody_on_call') : s.entry.user?.summary}</strong>
          </li>
        ))}
      </ol>
    </details>
  );
}

/** The drag that last moved focus to "Who": a form remounted by a reload does not take focus again. */
let focusedSeq = 0;

function OverrideForm({ scheduleId, initialStart, initialEnd, focusSeq, onDone }: { scheduleId: string; initialStart: string; initialEnd: string; focusSeq: number; onDone: () => void }) {
  const users = useAsync(() => listUsers(), []);
  const who = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (focusSeq > 0 && focusSeq !== focusedSeq) {
      focusedSeq = focusSeq;
      who.current?.focus();
    }
  }, [focusSeq]);
  const [user, setUser] = useState('');
  const [start, setStart] = useState(initialStart);
  const [end, setEnd] = useState(initialEnd);
  const [added, setAdded] = useState(false);
  const action = useAction(async () => {
    await createOverride(scheduleId, user, new Date(start).toISOString(), new Date(end).toISOString());
    setAdded(true);
    onDone();
  });
  return (
    <form
      className="row-form"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run();
      }}
    >
      <h3>{msg('schedules.schedules.add_an_override')}</h3>
      <Field label={msg('schedules.schedules.who')}>
        {(id) => (
          <select id={id} ref={who} value={user} onChange={(e) => (setUser(e.target.value), setAdded(false))}>
            <option value="">{msg('schedules.schedules.choose')}</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={msg('schedules.schedules.from')}>{(id) => <input id={id} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />}</Field>
      <Field label={msg('schedules.schedules.until')}>{(id) => <input id={id} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}</Field>
      <button type="submit" className="btn btn-primary" disabled={action.busy || !user || !start || !end}>{msg('schedules.schedules.add_override')}</button>
      <ErrorBox error={action.error} />
      {added && <Notice tone="ok">{msg('schedules.schedules.override_added')}</Notice>}
    </form>
  );
}

export function Policies({ session }: { session: Session }) {
  const policies = useAsync(() => listPolicies(), []);
  const manage = canManage(session.user.role);
  const [name, setName] = useState('');
  const create = useAction(async () => (await createPolicy(name.trim(), session.user.id), setName(''), policies.reload()));
  return (
    <>
      <PageHeader title={msg('schedules.schedules.on_call')} />
      <Tabs />
      <ErrorBox error={policies.error} />
      {policies.data === undefined ? (!policies.error && <Loading what={msg('schedules.schedules.escalation_policies_2')} />) : policies.data === null ? (
        <Notice>{msg('schedules.schedules.this_server_has_no_escalation_policy')}</Notice>
      ) : (
        <div className="stack">
          {policies.data.map((p) => (
            // Keyed by content: once saved, the editor starts again from what the server stored.
            <PolicyEditor key={`${p.id}:${p.num_loops}:${JSON.stringify(p.escalation_rules)}`} policy={p} manage={manage} onSaved={() => void policies.reload()} />
          ))}
          {manage && (
            <section className="card">
              <h2>{msg('schedules.schedules.new_escalation_policy')}</h2>
              <form
                className="row-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void create.run();
                }}
              >
                <Field label={msg('schedules.schedules.name')}>{(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
                <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim()}>{msg('schedules.schedules.create_pages_you_first')}</button>
                <ErrorBox error={create.error} />
              </form>
            </section>
          )}
        </div>
      )}
    </>
  );
}

function PolicyEditor({ policy, manage, onSaved }: { policy: EscalationPolicy; manage: boolean; onSaved: () => void }) {
  const [draft, setDraft] = useState<PolicyDraft>(policy);
  const users = useAsync(() => listUsers(), []);
  const schedules = useAsync(() => listSchedules(), []);
  const save = useAction(async () => (await savePolicy(draft), onSaved()));
  const dirty = JSON.stringify(draft) !== JSON.stringify(policy);
  const setRule = (i: number, patch: Partial<PolicyDraft['escalation_rules'][number]>) => setDraft((d) => ({ ...d, escalation_rules: d.escalation_rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));
  const targets = [
    ...(users.data ?? []).map((u) => ({ id: u.id, type: 'user_reference', summary: u.name })),
    ...(schedules.data ?? []).map((s) => ({ id: s.id, type: 'schedule_reference', summary: `${s.name} (schedule)` })),
  ];
  return (
    <section className="card" aria-label={msg('schedules.schedules.escalation_policy', { name: policy.name })}>
      <h2>{policy.name}</h2>
      <ol className="levels">
        {draft.escalation_rules.map((r, i) => (
          <li key={r.id ?? i}>
            <p>
              <strong>{msg('schedules.schedules.level')}{' '}{i + 1}</strong>: {r.targets.map((t) => t.summary ?? t.id).join(', ') || msg('schedules.schedules.nobody')}
            </p>
            {manage && (
              <div className="row-form">
                <Field label={msg('schedules.schedules.add_to_level', { v0: i + 1 })}>
                  {(id) => (
                    <select id={id} value="" onChange={(e) => {
                      const t = targets.find((x) => x.id === e.target.value);
                      if (t && !r.targets.some((x) => x.id === t.id)) setRule(i, { targets: [...r.targets, t] });
                    }}>
                      <option value="">{msg('schedules.schedules.choose_a_person_or_schedule')}</option>
                      {targets.map((t) => (
                        <option key={t.id} value={t.id}>
                          {t.summary}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label={msg('schedules.schedules.then_escalate_after_minutes')}>
                  {(id) => <input id={id} type="number" inputMode="numeric" min={1} max={1440} value={r.escalation_delay_in_minutes} onChange={(e) => setRule(i, { escalation_delay_in_minutes: Number(e.target.value) })} />}
                </Field>
                {r.targets.length > 0 && (
                  <button type="button" className="btn btn-quiet btn-small" onClick={() => setRule(i, { targets: r.targets.slice(0, -1) })}>{msg('schedules.schedules.remove_last_target')}</button>
                )}
                {draft.escalation_rules.length > 1 && (
                  <button type="button" className="btn btn-quiet btn-small" onClick={() => setDraft((d) => ({ ...d, escalation_rules: d.escalation_rules.filter((_, j) => j !== i) }))}>{msg('schedules.schedules.remove_level')}</button>
                )}
              </div>
            )}
          </li>
        ))}
      </ol>
      {manage && (
        <div className="row-form">
          <button type="button" className="btn btn-secondary" onClick={() => setDraft((d) => ({ ...d, escalation_rules: [...d.escalation_rules, { escalation_delay_in_minutes: 15, targets: [] }] }))}>{msg('schedules.schedules.add_a_level')}</button>
          <Field label={msg('schedules.schedules.repeat_the_policy_times')}>
            {(id) => <input id={id} type="number" min={0} max={9} value={draft.num_loops} onChange={(e) => setDraft({ ...draft, num_loops: Number(e.target.value) })} />}
          </Field>
          <button type="button" className="btn btn-primary" disabled={!dirty || save.busy} onClick={() => void save.run()}>{msg('schedules.schedules.save_policy')}</button>
        </div>
      )}
      <ErrorBox error={save.error} />
    </section>
  );
}
