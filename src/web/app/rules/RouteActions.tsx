import type { FieldErrors } from '../../data/rule-draft';
import type { RuleActions, Service } from '../../data/types';
import { Field } from '../ui';
import { named } from './named';
import { msg } from '../../i18n';

/** Where a router rule sends the events it matches: a service; the catch-all may leave them unrouted. */
export function RouteActions({
  actions: a,
  onChange,
  where,
  errorKey,
  errors,
  services,
  catchAll,
}: {
  actions: RuleActions;
  onChange: (a: RuleActions) => void;
  where: string;
  errorKey: string;
  errors: FieldErrors;
  services: Service[] | undefined;
  catchAll: boolean;
}) {
  const value = a.route_to ?? '';
  const known = value === '' || value === 'unrouted' || (services ?? []).some((s) => s.id === value);
  return (
    <Field
      label={named(msg('rules.routeActions.route_to'), where)}
      id={`${errorKey}-route`.replace(/\./g, '-')}
      hint={catchAll ? msg('rules.routeActions.unrouted_events_are_kept_suppressed_in') : undefined}
      error={errors[`${errorKey}.route_to`]}
    >
      {(id, d, bad) => (
        <select id={id} aria-describedby={d} aria-invalid={bad || undefined} value={value} onChange={(e) => onChange({ ...a, route_to: e.target.value || undefined })}>
          {!catchAll && <option value="">{msg('rules.routeActions.choose_a_service')}</option>}
          {catchAll && <option value="unrouted">{msg('rules.routeActions.nowhere_unrouted')}</option>}
          {(services ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
          {!known && <option value={value}>{value}</option>}
        </select>
      )}
    </Field>
  );
}
