import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../../data/client';
import { fingerprint, newRule, placeErrors, ruleKey, toDraft, toWire, type Draft, type DraftRule, type FieldErrors } from '../../data/rule-draft';
import type { OrchestrationPath, OrchestrationPathIn, RuleActions } from '../../data/types';
import { FieldError, Notice } from '../ui';
import { PclHelp } from './PclHelp';
import { RuleRow } from './RuleRow';
import { msg } from '../../i18n';

/** What a rule's (or the catch-all's) actions editor is given. */
export interface ActionSlot {
  actions: RuleActions;
  onChange: (a: RuleActions) => void;
  where: string;
  errorKey: string;
  errors: FieldErrors;
  /** The rule's set; null for the catch-all. */
  setId: string | null;
  setIds: string[];
}

/** What the page's test box gets from the editor: the rules on screen, and where to show the server's objections to them. */
export interface DraftApi {
  wire: () => OrchestrationPathIn;
  /** Show a refusal's messages next to the rules they name; the others are returned, to be shown by the caller. */
  report: (e: unknown) => string[];
  /** The draft tested fine: its earlier problems are gone. */
  accept: () => void;
  /** Changes whenever what the rules on screen do changes (see fingerprint). */
  fingerprint: string;
}

const SET_ID = /^[A-Za-z0-9_-]{1,64}$/;
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function whereOf(setId: string, i: number, router: boolean): string {
  return router || setId === 'start' ? `rule ${i + 1}` : `rule ${i + 1} of set ${setId}`;
}

/**
 * A rule path, edited whole and saved whole (PUT replaces it): its sets of ordered rules
 * (first match acts), each rule a RuleRow, and the catch-all. Moving a rule keeps the
 * keyboard focus on the button that moved it and says where the rule went. A refused
 * save shows each of the server's messages next to the field it names and moves the
 * focus to the first of them. Service rules and a global orchestration's router share
 * it; they differ in their actions (renderActions) and their test box (aside).
 */
export function PathEditor({
  kind,
  path,
  manage,
  save,
  renderActions,
  aside,
}: {
  kind: 'service' | 'router';
  path: OrchestrationPath;
  manage: boolean;
  save: (wire: OrchestrationPathIn) => Promise<OrchestrationPath>;
  renderActions: (slot: ActionSlot) => ReactNode;
  aside: (api: DraftApi) => ReactNode;
}) {
  const router = kind === 'router';
  const [base, setBase] = useState(path);
  const [draft, setDraft] = useState<Draft>(() => toDraft(path));
  const [savedWire, setSavedWire] = useState(() => JSON.stringify(toWire(toDraft(path))));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [other, setOther] = useState<string[]>([]);
  const [state, setState] = useState<'editing' | 'saving' | 'saved'>('editing');
  const [focus, setFocus] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');
  const [newSet, setNewSet] = useState('');
  const [setProblem, setSetProblem] = useState<string[]>([]);
  const form = useRef<HTMLFormElement>(null);
  const wire = useMemo(() => toWire(draft), [draft]);
  const dirty = JSON.stringify(wire) !== savedWire;
  const setIds = draft.sets.map((s) => s.id);

  useEffect(() => {
    if (!focus) return;
    const el = focus === 'first-invalid' ? form.current?.querySelector<HTMLElement>('[aria-invalid="true"], .error') : document.getElementById(focus);
    el?.focus();
    setFocus(null);
  }, [focus]);

  const edit = (fn: (d: Draft) => Draft, structural = false) => {
    setDraft(fn);
    setState('editing');
    // Errors are placed by index: once rules move, they would point at the wrong ones.
    if (structural) setErrors({});
  };
  const editSet = (si: number, fn: (rules: DraftRule[]) => DraftRule[], structural = false) =>
    edit((d) => ({ ...d, sets: d.sets.map((s, i) => (i === si ? { ...s, rules: fn(s.rules) } : s)) }), structural);
  const updateRule = (si: number, ri: number, patch: Partial<DraftRule>) => editSet(si, (rules) => rules.map((r, j) => (j === ri ? { ...r, ...patch } : r)));

  const moveRule = (si: number, ri: number, by: -1 | 1) => {
    const rules = draft.sets[si]!.rules;
    const to = ri + by;
    if (to < 0 || to >= rules.length) return;
    const rule = rules[ri]!;
    editSet(
      si,
      (rs) => {
        const list = [...rs];
        list.splice(ri, 1);
        list.splice(to, 0, rule);
        return list;
      },
      true,
    );
    // Stay on the button just used, unless the rule reached the end where it is disabled.
    setFocus(`${rule.key}-${to === 0 ? 'down' : to === rules.length - 1 ? 'up' : by < 0 ? 'up' : 'down'}`);
    setAnnounce(`${rule.label.trim() || msg('rules.pathEditor.the_rule')} is now ${whereOf(draft.sets[si]!.id, to, router)}.`);
  };
  const deleteRule = (si: number, ri: number) => {
    const set = draft.sets[si]!;
    editSet(si, (rs) => rs.filter((_, j) => j !== ri), true);
    setFocus(`add-${set.key}`);
    setAnnounce(`${capital(whereOf(set.id, ri, router))} deleted. Discard changes brings it back until you save.`);
  };
  const addRule = (si: number) => {
    const r = newRule();
    editSet(si, (rs) => [...rs, r], true);
    setFocus(`${r.key}-label`);
  };
  const addSet = () => {
    const id = newSet.trim();
    if (!SET_ID.test(id)) return setSetProblem([msg('rules.pathEditor.a_set_name_is_1_to')]);
    if (setIds.includes(id)) return setSetProblem([msg('rules.pathEditor.there_is_a_set_already', { id })]);
    setSetProblem([]);
    setNewSet('');
    edit((d) => ({ ...d, sets: [...d.sets, { key: `set-${id}-${Date.now()}`, id, rules: [] }] }), true);
    setAnnounce(msg('rules.pathEditor.set_added_choose_go_on_to', { id, id1: id }));
  };
  const deleteSet = (si: number) => {
    const id = draft.sets[si]!.id;
    // Rules that went on to it stop instead.
    const unroute = (a: RuleActions): RuleActions => (a.route_to === id ? { ...a, route_to: undefined } : a);
    edit((d) => ({ ...d, sets: d.sets.filter((_, i) => i !== si).map((s) => ({ ...s, rules: s.rules.map((r) => ({ ...r, actions: unroute(r.actions) })) })) }), true);
    setAnnounce(msg('rules.pathEditor.set_deleted', { id }));
  };

  /** Sort a refusal's messages into the form; returns those that name no field of it. */
  const place = (e: unknown): { placed: number; rest: string[] } => {
    if (!(e instanceof ApiError)) return { placed: 0, rest: [(e as Error).message] };
    if (e.status !== 400) return { placed: 0, rest: e.messages };
    const { fields, other: rest } = placeErrors(e.messages, draft);
    const { event, ...mine } = fields;
    setErrors(mine);
    return { placed: Object.values(mine).flat().length, rest: [...(event ?? []), ...rest] };
  };
  const summary = (n: number) => `${n} problem${n === 1 ? '' : 's'} in the rules, shown next to ${n === 1 ? msg('rules.pathEditor.its_field') : msg('rules.pathEditor.their_fields')}.`;

  const submit = async () => {
    setState('saving');
    setErrors({});
    setOther([]);
    try {
      const saved = await save(wire);
      const next = toDraft(saved, draft);
      setBase(saved);
      setDraft(next);
      setSavedWire(JSON.stringify(toWire(next)));
      setState('saved');
    } catch (e) {
      const { placed, rest } = place(e);
      setOther(placed ? [msg('rules.pathEditor.the_rules_were_not_saved', { v0: summary(placed) }), ...rest] : rest);
      setState('editing');
      setFocus('first-invalid');
    }
  };
  const discard = () => {
    setDraft(toDraft(base));
    setErrors({});
    setOther([]);
    setState('editing');
    setAnnounce(msg('rules.pathEditor.changes_discarded'));
  };

  const api: DraftApi = {
    wire: () => wire,
    report: (e) => {
      const { placed, rest } = place(e);
      return placed ? [msg('rules.pathEditor.the_rules_on_this_page_cannot', { v0: summary(placed) }), ...rest] : rest;
    },
    accept: () => setErrors({}),
    fingerprint: fingerprint(wire),
  };

  return (
    <div className="rules-layout">
      <div className="rules-main">
        <PclHelp router={router} />
        <form
          ref={form}
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <fieldset className="bare" disabled={!manage}>
            {draft.sets.map((set, si) => (
              <section key={set.key} className="card rule-set" aria-labelledby={`h-${set.key}`}>
                <div className="set-head">
                  <h2 id={`h-${set.key}`}>{router ? msg('rules.pathEditor.routing_rules') : set.id === 'start' ? (draft.sets.length > 1 ? msg('rules.pathEditor.set_start_first') : msg('rules.pathEditor.rules')) : msg('rules.pathEditor.set', { id: set.id })}</h2>
                  {manage && set.id !== 'start' && (
                    <button type="button" className="btn btn-quiet btn-small" onClick={() => deleteSet(si)}>{msg('rules.pathEditor.delete_set')}{' '}{set.id}
                    </button>
                  )}
                </div>
                <p className="muted small">{router ? msg('rules.pathEditor.in_order_the_first_rule_whose') : msg('rules.pathEditor.in_order_the_first_rule_that')}</p>
                <FieldError messages={errors[`s${si}`]} />
                {set.rules.length === 0 ? (
                  <p>{msg('rules.pathEditor.no_rules_yet')}{router ? msg('rules.pathEditor.everything_goes_where_the_catch_all') : msg('rules.pathEditor.events_go_on_as_sent')}</p>
                ) : (
                  <ol className="plain rules" aria-label={router ? msg('rules.pathEditor.routing_rules') : msg('rules.pathEditor.rules_of_set', { id: set.id })}>
                    {set.rules.map((r, ri) => {
                      const where = whereOf(set.id, ri, router);
                      const key = ruleKey(si, ri);
                      return (
                        <RuleRow
                          key={r.key}
                          rule={r}
                          where={where}
                          first={ri === 0}
                          last={ri === set.rules.length - 1}
                          errorKey={key}
                          errors={errors}
                          onChange={(patch) => updateRule(si, ri, patch)}
                          onMove={(by) => moveRule(si, ri, by)}
                          onDelete={() => deleteRule(si, ri)}
                        >
                          {renderActions({ actions: r.actions, onChange: (actions) => updateRule(si, ri, { actions }), where, errorKey: key, errors, setId: set.id, setIds })}
                        </RuleRow>
                      );
                    })}
                  </ol>
                )}
                {manage && (
                  <button type="button" id={`add-${set.key}`} className="btn btn-secondary" onClick={() => addRule(si)}>
                    {set.id === 'start' ? msg('rules.pathEditor.add_a_rule') : msg('rules.pathEditor.add_a_rule_to_set', { id: set.id })}
                  </button>
                )}
              </section>
            ))}
            {!router && manage && (
              <div className="card add-set">
                <label htmlFor="new-set">{msg('rules.pathEditor.new_set')}</label>
                <p className="hint" id="new-set-hint">{msg('rules.pathEditor.a_rule_s_then_may_go')}</p>
                <div className="key-line">
                  <input id="new-set" aria-describedby="new-set-hint" value={newSet} maxLength={64} placeholder={msg('rules.pathEditor.disk')} onChange={(e) => setNewSet(e.target.value)} />
                  <button type="button" className="btn btn-secondary" onClick={addSet}>{msg('rules.pathEditor.add_a_set')}</button>
                </div>
                <FieldError messages={setProblem} />
              </div>
            )}
            <section className="card" aria-labelledby="catch-h">
              <h2 id="catch-h">{msg('rules.pathEditor.when_no_rule_matches')}</h2>
              <FieldError messages={errors.catch} />
              {renderActions({ actions: draft.catchAll, onChange: (catchAll) => edit((d) => ({ ...d, catchAll })), where: msg('rules.pathEditor.when_no_rule_matches_2'), errorKey: 'catch', errors, setId: null, setIds })}
            </section>
          </fieldset>
          {manage && (
            <div className="save-bar">
              {other.length > 0 && (
                <div className="error" role="alert" tabIndex={-1}>
                  {other.map((m, i) => (
                    <p key={i}>{m}</p>
                  ))}
                </div>
              )}
              {state === 'saved' && !dirty && <Notice tone="ok">{msg('rules.pathEditor.rules_saved')}</Notice>}
              <div className="row-actions">
                <button type="submit" className="btn btn-primary" disabled={state === 'saving'}>{msg('rules.pathEditor.save_rules')}</button>
                <button type="button" className="btn btn-quiet" disabled={!dirty || state === 'saving'} onClick={discard}>{msg('rules.pathEditor.discard_changes')}</button>
                {dirty && <span className="badge unsaved">{msg('rules.pathEditor.unsaved_changes')}</span>}
              </div>
            </div>
          )}
          <p className="sr-only" role="status" aria-live="polite">
            {announce}
          </p>
        </form>
      </div>
      <div className="rules-aside">{aside(api)}</div>
    </div>
  );
}
