import { useEffect, useState } from 'react';
import { useAction } from '../../data/hooks';
import { updateService } from '../../data/services';
import { WEEKDAYS, draftOf, patchOf, type SettingsDraft, type Urgency } from '../../data/service-settings';
import type { Service } from '../../data/types';
import { ErrorBox, Field, Notice } from '../ui';

const URGENCY_LABEL: Record<Urgency, string> = { high: 'High (pages at once)', low: 'Low (low-urgency rules)', severity_based: 'By severity (critical and error high)' };

function UrgencySelect({ label, value, disabled, onChange }: { label: string; value: Urgency; disabled: boolean; onChange: (u: Urgency) => void }) {
  return (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as Urgency)}>
          {(Object.keys(URGENCY_LABEL) as Urgency[]).map((u) => (
            <option key={u} value={u}>
              {URGENCY_LABEL[u]}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A service's alert grouping and urgency (with support hours), saved together with one PUT. */
export function AlertSettings({ service, manage, onSaved }: { service: Service; manage: boolean; onSaved: () => Promise<void> }) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const [d, setD] = useState<SettingsDraft>(() => draftOf(service, zone));
  const [saved, setSaved] = useState(false);
  useEffect(() => setD(draftOf(service, zone)), [service, zone]);
  const set = (p: Partial<SettingsDraft>) => (setSaved(false), setD((x) => ({ ...x, ...p })));
  const save = useAction(async () => {
    await updateService(service.id, patchOf(d));
    await onSaved();
    setSaved(true);
  });
  const off = !manage || save.busy;
  return (
    <section className="card span-3" aria-labelledby="alerts-h">
      <h2 id="alerts-h">Alert grouping and urgency</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <fieldset>
          <legend>Grouping</legend>
          <Field label="Group new alerts" hint="Whether a new alert joins the open incident or opens its own. A high-urgency alert joining an acknowledged or low-urgency incident re-triggers it.">
            {(id, h) => (
              <select id={id} aria-describedby={h} value={d.grouping} disabled={off} onChange={(e) => set({ grouping: e.target.value as SettingsDraft['grouping'] })}>
                <option value="none">Not at all: each alert opens its own incident</option>
                <option value="time">By time: join the open incident</option>
                <option value="content_based">By content: join the incident with the same field values</option>
              </select>
            )}
          </Field>
          {d.grouping === 'time' && (
            <Field label="Within minutes of the incident opening" hint="0: until the incident resolves.">
              {(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={d.timeout} disabled={off} onChange={(e) => set({ timeout: e.target.value })} />}
            </Field>
          )}
          {d.grouping === 'content_based' && (
            <div className="row-form">
              <Field label="Fields" hint="Comma-separated: summary, source, severity, component, group, class, custom_details.<name>.">
                {(id, h) => <input id={id} aria-describedby={h} value={d.fields} disabled={off} onChange={(e) => set({ fields: e.target.value })} />}
              </Field>
              <Field label="Match">
                {(id) => (
                  <select id={id} value={d.aggregate} disabled={off} onChange={(e) => set({ aggregate: e.target.value as 'all' | 'any' })}>
                    <option value="all">All of the fields</option>
                    <option value="any">Any of the fields</option>
                  </select>
                )}
              </Field>
              <Field label="Window (minutes since the last alert grouped)" hint="5 to 1440; 0: the recommended window.">
                {(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={d.windowMinutes} disabled={off} onChange={(e) => set({ windowMinutes: e.target.value })} />}
              </Field>
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>Urgency</legend>
          <Field label="Urgency of new incidents">
            {(id) => (
              <select id={id} value={d.urgency} disabled={off} onChange={(e) => set({ urgency: e.target.value as SettingsDraft['urgency'] })}>
                <option value="high">Always high</option>
                <option value="low">Always low</option>
                <option value="severity_based">By severity (critical and error high, others low)</option>
                <option value="use_support_hours">By support hours</option>
              </select>
            )}
          </Field>
          {d.urgency === 'use_support_hours' && (
            <>
              <div className="row-form">
                <UrgencySelect label="During support hours" value={d.during} disabled={off} onChange={(during) => set({ during })} />
                <UrgencySelect label="Outside support hours" value={d.outside} disabled={off} onChange={(outside) => set({ outside })} />
              </div>
              <Field label="Time zone" hint="IANA name, e.g. America/New_York. The hours keep their local meaning across daylight-saving changes.">
                {(id, h) => <input id={id} aria-describedby={h} value={d.timeZone} disabled={off} onChange={(e) => set({ timeZone: e.target.value })} />}
              </Field>
              <div className="row-form">
                <Field label="Support hours start">{(id) => <input id={id} type="time" value={d.start} disabled={off} onChange={(e) => set({ start: e.target.value })} />}</Field>
                <Field label="Support hours end">{(id) => <input id={id} type="time" value={d.end} disabled={off} onChange={(e) => set({ end: e.target.value })} />}</Field>
              </div>
              <div className="days" role="group" aria-label="Support days">
                {WEEKDAYS.map(([n, label]) => (
                  <label key={n} className="day">
                    <input type="checkbox" checked={d.days.includes(n)} disabled={off} onChange={(e) => set({ days: e.target.checked ? [...d.days, n] : d.days.filter((x) => x !== n) })} />
                    {label}
                  </label>
                ))}
              </div>
              <div className="check">
                <input id="sh-raise" type="checkbox" checked={d.raiseAtStart} disabled={off} onChange={(e) => set({ raiseAtStart: e.target.checked })} />
                <label htmlFor="sh-raise">Raise open low-urgency incidents to high when support hours begin (and page for them again)</label>
              </div>
            </>
          )}
        </fieldset>
        <ErrorBox error={save.error} />
        {saved && !save.error && <Notice tone="ok">Alert settings saved.</Notice>}
        {manage && (
          <button type="submit" className="btn btn-primary" disabled={save.busy}>
            Save alert settings
          </button>
        )}
      </form>
    </section>
  );
}
