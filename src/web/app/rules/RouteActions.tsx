import type { FieldErrors } from '../../data/rule-draft';
import type { RuleActions, Service } from '../../data/types';
import { Field } from '../ui';
import { named } from './named';

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
      label={named('Route to', where)}
      id={`${errorKey}-route`.replace(/\./g, '-')}
      hint={catchAll ? 'Unrouted events are kept, suppressed, in no service.' : undefined}
      error={errors[`${errorKey}.route_to`]}
    >
      {(id, d, bad) => (
        <select id={id} aria-describedby={d} aria-invalid={bad || undefined} value={value} onChange={(e) => onChange({ ...a, route_to: e.target.value || undefined })}>
          {!catchAll && <option value="">Choose a service</option>}
          {catchAll && <option value="unrouted">Nowhere (unrouted)</option>}
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
