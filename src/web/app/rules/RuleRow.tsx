import type { ReactNode } from 'react';
import type { DraftRule, FieldErrors } from '../../data/rule-draft';
import { Field, FieldError } from '../ui';
import { named } from './named';
import { msg } from '../../i18n';

/**
 * One rule of a set: its label, its conditions (PCL, any one matches), what it does
 * (`children`: a service's actions or a router's route), and the tools to move it, turn
 * it off and delete it. Every control is named after the rule ("Condition 1 (rule 2)"),
 * so a screen reader and a test can tell the rules apart. Service rules and router rules
 * share it.
 */
export function RuleRow({
  rule: r,
  where,
  first,
  last,
  errorKey,
  errors,
  onChange,
  onMove,
  onDelete,
  children,
}: {
  rule: DraftRule;
  /** "rule 2", or "rule 2 of set disk". */
  where: string;
  first: boolean;
  last: boolean;
  /** The key of this rule's fields in `errors` (s0.r1). */
  errorKey: string;
  errors: FieldErrors;
  onChange: (patch: Partial<DraftRule>) => void;
  onMove: (by: -1 | 1) => void;
  onDelete: () => void;
  children: ReactNode;
}) {
  const title = where.charAt(0).toUpperCase() + where.slice(1);
  const setCondition = (i: number, text: string) => onChange({ conditions: r.conditions.map((c, j) => (j === i ? text : c)) });
  const matchesAll = r.conditions.every((c) => !c.trim());
  return (
    <li className={`rule-row${r.disabled ? ' rule-off' : ''}`}>
      <fieldset className="rule-box">
        <legend>
          {title}
          {r.label.trim() ? `: ${r.label.trim()}` : ''}
          {r.disabled && <span className="badge rule-off-badge">{msg('rules.ruleRow.off')}</span>}
        </legend>
        <div className="rule-tools">
          <button type="button" id={`${r.key}-up`} className="btn btn-quiet btn-small" disabled={first} onClick={() => onMove(-1)} aria-label={msg('rules.ruleRow.move_up', { where: where })}>
            <span aria-hidden="true">↑</span>{' '}{msg('rules.ruleRow.up')}</button>
          <button type="button" id={`${r.key}-down`} className="btn btn-quiet btn-small" disabled={last} onClick={() => onMove(1)} aria-label={msg('rules.ruleRow.move_down', { where: where })}>
            <span aria-hidden="true">↓</span>{' '}{msg('rules.ruleRow.down')}</button>
          <span className="check rule-on">
            <input id={`${r.key}-on`} type="checkbox" checked={!r.disabled} onChange={(e) => onChange({ disabled: !e.target.checked })} />
            <label htmlFor={`${r.key}-on`}>{msg('rules.ruleRow.on')}<span className="sr-only"> ({where})</span>
            </label>
          </span>
          <button type="button" className="btn btn-quiet btn-small" onClick={onDelete} aria-label={msg('rules.ruleRow.delete_2', { where: where })}>{msg('rules.ruleRow.delete')}</button>
        </div>
        <FieldError messages={errors[errorKey]} />
        <Field label={named('Label', where)} id={`${r.key}-label`} hint={msg('rules.ruleRow.what_the_rule_is_for_shown')} error={errors[`${errorKey}.label`]}>
          {(id, d, bad) => <input id={id} aria-describedby={d} aria-invalid={bad || undefined} maxLength={255} value={r.label} onChange={(e) => onChange({ label: e.target.value })} />}
        </Field>
        <div className="conditions" role="group" aria-label={msg('rules.ruleRow.conditions', { where: where })}>
          <p className="conditions-head">{msg('rules.ruleRow.when')}{' '}<strong>{msg('rules.ruleRow.any')}</strong>{' '}{msg('rules.ruleRow.of_these_holds')}</p>
          {r.conditions.map((c, i) => (
            <div key={i} className="condition">
              <Field label={named(msg('rules.ruleRow.condition', { v0: i + 1 }), where)} id={`${r.key}-cond${i}`} error={errors[`${errorKey}.cond${i}`]}>
                {(id, d, bad) => (
                  <textarea
                    id={id}
                    className="pcl"
                    rows={2}
                    spellCheck={false}
                    autoCapitalize="off"
                    autoCorrect="off"
                    aria-describedby={[d, 'pcl-hint'].filter(Boolean).join(' ')}
                    aria-invalid={bad || undefined}
                    maxLength={2048}
                    placeholder={msg('rules.ruleRow.event_summary_matches_part_disk')}
                    value={c}
                    onChange={(e) => setCondition(i, e.target.value)}
                  />
                )}
              </Field>
              <button type="button" className="btn btn-quiet btn-small" onClick={() => onChange({ conditions: r.conditions.filter((_, j) => j !== i) })} aria-label={msg('rules.ruleRow.remove_condition', { v0: i + 1, where: where })}>{msg('rules.ruleRow.remove')}</button>
            </div>
          ))}
          {matchesAll && <p className="warn-text small">{msg('rules.ruleRow.no_condition_this_rule_matches_every')}</p>}
          <button type="button" className="btn btn-secondary btn-small" disabled={r.conditions.length >= 25} onClick={() => onChange({ conditions: [...r.conditions, ''] })} aria-label={msg('rules.ruleRow.add_a_condition_2', { where: where })}>{msg('rules.ruleRow.add_a_condition')}</button>
        </div>
        <div className="rule-actions" role="group" aria-label={msg('rules.ruleRow.what_does', { where: where })}>
          <p className="conditions-head">{msg('rules.ruleRow.then')}</p>
          {children}
        </div>
      </fieldset>
    </li>
  );
}
