import { useEffect, useState } from 'react';
import { useAction } from '../../data/hooks';
import { updateService } from '../../data/services';
import { WEEKDAYS, draftOf, patchOf, type SettingsDraft, type Urgency } from '../../data/service-settings';
import type { Service } from '../../data/types';
import { ErrorBox, Field, Notice } from '../ui';
import { msg } from '../../i18n';

const URGENCY_LABEL: Record<Urgency, string> = { get high() { return msg('services.alertSettings.high_pages_at_once'); }, get low() { return msg('services.alertSettings.low_low_urgency_rules'); }, get severity_based() { return msg('services.alertSettings.by_severity_critical_and_error_high_2'); } };

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
      <h2 id="alerts-h">{msg('services.alertSettings.alert_grouping_and_urgency')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <fieldset>
          <legend>{msg('services.alertSettings.grouping')}</legend>
          <Field label={msg('services.alertSettings.group_new_alerts')} hint={msg('services.alertSettings.whether_a_new_alert_joins_the')}>
            {(id, h) => (
              <select id={id} aria-describedby={h} value={d.grouping} disabled={off} onChange={(e) => set({ grouping: e.target.value as SettingsDraft['grouping'] })}>
                <option value="none">{msg('services.alertSettings.not_at_all_each_alert_opens')}</option>
                <option value="time">{msg('services.alertSettings.by_time_join_the_open_incident')}</option>
                <option value="content_based">{msg('services.alertSettings.by_content_join_the_incident_with')}</option>
              </select>
            )}
          </Field>
          {d.grouping === 'time' && (
            <Field label={msg('services.alertSettings.within_minutes_of_the_incident_opening')} hint={msg('services.alertSettings.0_until_the_incident_resolves')}>
              {(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={d.timeout} disabled={off} onChange={(e) => set({ timeout: e.target.value })} />}
            </Field>
          )}
          {d.grouping === 'content_based' && (
            <div className="row-form">
              <Field label={msg('services.alertSettings.fields')} hint={msg('services.alertSettings.comma_separated_summary_source_severity_component')}>
                {(id, h) => <input id={id} aria-describedby={h} value={d.fields} disabled={off} onChange={(e) => set({ fields: e.target.value })} />}
              </Field>
              <Field label={msg('services.alertSettings.match')}>
                {(id) => (
                  <select id={id} value={d.aggregate} disabled={off} onChange={(e) => set({ aggregate: e.target.value as 'all' | 'any' })}>
                    <option value="all">{msg('services.alertSettings.all_of_the_fields')}</option>
                    <option value="any">{msg('services.alertSettings.any_of_the_fields')}</option>
                  </select>
                )}
              </Field>
              <Field label={msg('services.alertSettings.window_minutes_since_the_last_alert')} hint={msg('services.alertSettings.5_to_1440_0_the_recommended')}>
                {(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={d.windowMinutes} disabled={off} onChange={(e) => set({ windowMinutes: e.target.value })} />}
              </Field>
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>{msg('services.alertSettings.urgency')}</legend>
          <Field label={msg('services.alertSettings.urgency_of_new_incidents')}>
            {(id) => (
              <select id={id} value={d.urgency} disabled={off} onChange={(e) => set({ urgency: e.target.value as SettingsDraft['urgency'] })}>
                <option value="high">{msg('services.alertSettings.always_high')}</option>
                <option value="low">{msg('services.alertSettings.always_low')}</option>
                <option value="severity_based">{msg('services.alertSettings.by_severity_critical_and_error_high')}</option>
                <option value="use_support_hours">{msg('services.alertSettings.by_support_hours')}</option>
              </select>
            )}
          </Field>
          {d.urgency === 'use_support_hours' && (
            <>
              <div className="row-form">
                <UrgencySelect label={msg('services.alertSettings.during_support_hours')} value={d.during} disabled={off} onChange={(during) => set({ during })} />
                <UrgencySelect label={msg('services.alertSettings.outside_support_hours')} value={d.outside} disabled={off} onChange={(outside) => set({ outside })} />
              </div>
              <Field label={msg('services.alertSettings.time_zone')} hint={msg('services.alertSettings.iana_name_e_g_america_new')}>
                {(id, h) => <input id={id} aria-describedby={h} value={d.timeZone} disabled={off} onChange={(e) => set({ timeZone: e.target.value })} />}
              </Field>
              <div className="row-form">
                <Field label={msg('services.alertSettings.support_hours_start')}>{(id) => <input id={id} type="time" value={d.start} disabled={off} onChange={(e) => set({ start: e.target.value })} />}</Field>
                <Field label={msg('services.alertSettings.support_hours_end')}>{(id) => <input id={id} type="time" value={d.end} disabled={off} onChange={(e) => set({ end: e.target.value })} />}</Field>
              </div>
              <div className="days" role="group" aria-label={msg('services.alertSettings.support_days')}>
                {WEEKDAYS.map(([n, label]) => (
                  <label key={n} className="day">
                    <input type="checkbox" checked={d.days.includes(n)} disabled={off} onChange={(e) => set({ days: e.target.checked ? [...d.days, n] : d.days.filter((x) => x !== n) })} />
                    {label}
                  </label>
                ))}
              </div>
              <div className="check">
                <input id="sh-raise" type="checkbox" checked={d.raiseAtStart} disabled={off} onChange={(e) => set({ raiseAtStart: e.target.checked })} />
                <label htmlFor="sh-raise">{msg('services.alertSettings.raise_open_low_urgency_incidents_to')}</label>
              </div>
            </>
          )}
        </fieldset>
        <ErrorBox error={save.error} />
        {saved && !save.error && <Notice tone="ok">{msg('services.alertSettings.alert_settings_saved')}</Notice>}
        {manage && (
          <button type="submit" className="btn btn-primary" disabled={save.busy}>{msg('services.alertSettings.save_alert_settings')}</button>
        )}
      </form>
    </section>
  );
}
