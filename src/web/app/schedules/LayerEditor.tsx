import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { listUsers } from '../../data/people';
import { saveLayers } from '../../data/schedules';
import type { Restriction, Schedule, ScheduleLayerIn } from '../../data/types';
import { ErrorBox, Field, Notice } from '../ui';
import { fmtDateTime, fmtNumber, msg } from '../../i18n';

/**
 * The schedule's layers as a form: who rotates and in what order, how long a turn
 * is, when a handoff happens, and an optional daily window. Saving sends every
 * layer back (PUT replaces the layers; ids keep the existing ones, so their
 * overrides and history stay). Restrictions the form cannot show (weekly ones) are
 * kept as they are. Layers listed later win where two have someone on call.
 */
interface Draft {
  id?: string;
  name: string;
  start: string;
  end: string | null;
  handoff: string;
  unit: string;
  count: number;
  users: { id: string; name: string }[];
  daily: { from: string; to: string } | null;
  otherRestrictions: Restriction[];
  open_shifts?: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');
function localInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const hhmm = (secondsOfDay: number) => `${pad(Math.floor(secondsOfDay / 3600) % 24)}:${pad(Math.floor(secondsOfDay / 60) % 60)}`;
const seconds = (t: string) => {
  const [h, m] = t.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60;
};

function toDraft(l: Schedule['schedule_layers'][number]): Draft {
  const daily = l.restrictions.filter((r) => r.type === 'daily_restriction');
  const one = daily.length === 1 ? daily[0]! : null;
  const from = one ? one.start_time_of_day.slice(0, 5) : '';
  return {
    id: l.id,
    name: l.name,
    start: l.start,
    end: l.end,
    handoff: localInput(l.rotation_virtual_start),
    unit: l.rotation_turn_length.unit,
    count: l.rotation_turn_length.count,
    users: l.users.map((u) => ({ id: u.user.id, name: u.user.summary ?? u.user.id })),
    daily: one ? { from, to: hhmm(seconds(from) + one.duration_seconds) } : null,
    otherRestrictions: one ? l.restrictions.filter((r) => r !== one) : l.restrictions,
    ...(l.open_shifts !== undefined ? { open_shifts: l.open_shifts } : {}),
  };
}

function toLayer(d: Draft): ScheduleLayerIn {
  const restrictions = [...d.otherRestrictions];
  if (d.daily) {
    const dur = (seconds(d.daily.to) - seconds(d.daily.from) + 86400) % 86400 || 86400;
    restrictions.push({ type: 'daily_restriction', start_time_of_day: `${d.daily.from}:00`, duration_seconds: dur });
  }
  return {
    ...(d.id ? { id: d.id } : {}),
    name: d.name,
    start: d.start,
    end: d.end,
    rotation_virtual_start: new Date(d.handoff).toISOString(),
    rotation_turn_length: { unit: d.unit, count: d.count },
    users: d.users.map((u) => ({ user: { id: u.id, type: 'user_reference' as const } })),
    restrictions,
    ...(d.open_shifts !== undefined ? { open_shifts: d.open_shifts } : {}),
  };
}

export function LayerEditor({ schedule, onSaved }: { schedule: Schedule; onSaved: () => void }) {
  const users = useAsync(() => listUsers(), []);
  const [drafts, setDrafts] = useState<Draft[]>(() => schedule.schedule_layers.map(toDraft));
  const [saved, setSaved] = useState<string[] | null>(null);
  const save = useAction(async () => {
    setSaved(null);
    const r = await saveLayers(schedule.id, drafts.map(toLayer));
    setDrafts(r.schedule.schedule_layers.map(toDraft)); // new layers now have ids: saving again updates them
    // Worded here from the warning's fields, in the reader's language (the server's `message` is English, for API clients).
    setSaved((r.warnings ?? []).map((w) => msg(w.cap === 'rest' ? 'schedules.layerEditor.cap_rest' : 'schedules.layerEditor.cap_weekly', { name: w.volunteer.summary ?? w.volunteer.id, figure: fmtNumber(w.figure_hours), limit: fmtNumber(w.limit_hours), date: w.cap === 'rest' ? fmtDateTime(w.at) : fmtDateTime(w.at, { dateStyle: 'medium' }) })));
    onSaved();
  });
  const set = (i: number, patch: Partial<Draft>) => (setSaved(null), setDrafts((ds) => ds.map((d, j) => (j === i ? { ...d, ...patch } : d))));
  const move = (i: number, k: number, by: number) => {
    const list = [...drafts[i]!.users];
    const [x] = list.splice(k, 1);
    list.splice(k + by, 0, x!);
    set(i, { users: list });
  };
  const addLayer = () => {
    const now = new Date();
    now.setMinutes(0, 0, 0);
    setSaved(null);
    setDrafts((ds) => [...ds, { name: msg('schedules.layerEditor.layer', { v0: ds.length + 1 }), start: now.toISOString(), end: null, handoff: localInput(now.toISOString()), unit: 'weeks', count: 1, users: [], daily: null, otherRestrictions: [] }]);
  };

  return (
    <section className="card layers-card" aria-labelledby="layers-h">
      <h2 id="layers-h">{msg('schedules.layerEditor.layers_of')}{' '}{schedule.name}</h2>
      <p className="muted small">{msg('schedules.layerEditor.times_in_your_browser_s_zone')}{schedule.time_zone}{msg('schedules.layerEditor.for_days_and_weeks_a_layer')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        {drafts.map((d, i) => (
          <fieldset key={d.id ?? `new-${i}`} className="layer">
            <legend>{d.name || msg('schedules.layerEditor.layer', { v0: i + 1 })}</legend>
            <div className="row-form">
              <Field label={msg('schedules.layerEditor.name_of_layer', { v0: i + 1 })}>{(id) => <input id={id} value={d.name} maxLength={255} onChange={(e) => set(i, { name: e.target.value })} />}</Field>
              <Field label={msg('schedules.layerEditor.turn_length_layer', { v0: i + 1 })}>
                {(id) => <input id={id} type="number" min={1} max={365} value={d.count} onChange={(e) => set(i, { count: Number(e.target.value) })} />}
              </Field>
              <Field label={msg('schedules.layerEditor.unit_layer', { v0: i + 1 })}>
                {(id) => (
                  <select id={id} value={d.unit} onChange={(e) => set(i, { unit: e.target.value })}>
                    <option value="hours">{msg('schedules.layerEditor.hours')}</option>
                    <option value="days">{msg('schedules.layerEditor.days')}</option>
                    <option value="weeks">{msg('schedules.layerEditor.weeks')}</option>
                  </select>
                )}
              </Field>
              <Field label={msg('schedules.layerEditor.a_handoff_at_layer', { v0: i + 1 })}>{(id) => <input id={id} type="datetime-local" value={d.handoff} onChange={(e) => set(i, { handoff: e.target.value })} />}</Field>
            </div>
            <div className="check">
              <input id={`daily-${i}`} type="checkbox" checked={d.daily !== null} onChange={(e) => set(i, { daily: e.target.checked ? { from: '09:00', to: '17:00' } : null })} />
              <label htmlFor={`daily-${i}`}>{msg('schedules.layerEditor.only_part_of_each_day_layer')}{' '}{i + 1})</label>
            </div>
            {d.daily && (
              <div className="row-form">
                <Field label={msg('schedules.layerEditor.each_day_from_layer', { v0: i + 1 })}>{(id) => <input id={id} type="time" value={d.daily!.from} onChange={(e) => set(i, { daily: { ...d.daily!, from: e.target.value } })} />}</Field>
                <Field label={msg('schedules.layerEditor.each_day_until_layer', { v0: i + 1 })}>{(id) => <input id={id} type="time" value={d.daily!.to} onChange={(e) => set(i, { daily: { ...d.daily!, to: e.target.value } })} />}</Field>
              </div>
            )}
            {d.otherRestrictions.length > 0 && <p className="muted small">{d.otherRestrictions.length}{' '}{msg('schedules.layerEditor.other_restriction_s_kept_as_they')}</p>}
            <h3 className="small">{msg('schedules.layerEditor.rotation_in_order')}</h3>
            {d.open_shifts ? (
              <p className="muted small">{msg('schedules.layerEditor.open_shifts_volunteers_claim_each_turn')}</p>
            ) : (
              <>
                <ol className="rotation" aria-label={msg('schedules.layerEditor.rotation_of_layer', { v0: i + 1 })}>
                  {d.users.map((u, k) => (
                    <li key={`${u.id}-${k}`}>
                      <span>{u.name}</span>
                      <span className="rotation-actions">
                        <button type="button" className="btn btn-quiet btn-small" disabled={k === 0} onClick={() => move(i, k, -1)} aria-label={msg('schedules.layerEditor.move_earlier', { name: u.name })}>
                          ↑
                        </button>
                        <button type="button" className="btn btn-quiet btn-small" disabled={k === d.users.length - 1} onClick={() => move(i, k, 1)} aria-label={msg('schedules.layerEditor.move_later', { name: u.name })}>
                          ↓
                        </button>
                        <button type="button" className="btn btn-quiet btn-small" onClick={() => set(i, { users: d.users.filter((_, j) => j !== k) })} aria-label={msg('schedules.layerEditor.remove_from_layer', { name: u.name, v1: i + 1 })}>{msg('schedules.layerEditor.remove')}</button>
                      </span>
                    </li>
                  ))}
                </ol>
                <Field label={msg('schedules.layerEditor.add_to_the_rotation_of_layer', { v0: i + 1 })}>
                  {(id) => (
                    <select
                      id={id}
                      value=""
                      onChange={(e) => {
                        const u = users.data?.find((x) => x.id === e.target.value);
                        if (u) set(i, { users: [...d.users, { id: u.id, name: u.name }] });
                      }}
                    >
                      <option value="">{msg('schedules.layerEditor.choose_a_person')}</option>
                      {(users.data ?? []).map((u) => (
                        <option key={u.id} value={u.id}>
                          {u.name}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              </>
            )}
            {drafts.length > 1 && (
              <button type="button" className="btn btn-quiet btn-small" onClick={() => (setSaved(null), setDrafts((ds) => ds.filter((_, j) => j !== i)))}>{msg('schedules.layerEditor.remove_layer')}{' '}{i + 1}
              </button>
            )}
          </fieldset>
        ))}
        <div className="row-form">
          <button type="button" className="btn btn-secondary" onClick={addLayer}>{msg('schedules.layerEditor.add_a_layer')}</button>
          <button type="submit" className="btn btn-primary" disabled={save.busy}>{msg('schedules.layerEditor.save_layers')}</button>
        </div>
        <ErrorBox error={save.error} />
        {saved && (
          <Notice tone={saved.length ? 'warn' : 'ok'}>{msg('schedules.layerEditor.layers_saved')}{saved.map((w, k) => (
              <span key={k} className="small">
                {' '}
                {w}
              </span>
            ))}
          </Notice>
        )}
      </form>
    </section>
  );
}
