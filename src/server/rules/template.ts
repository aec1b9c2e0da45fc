/**
 * PagerDuty's `{{…}}` templates, used by extractions (`[{{event.source}}]
 * {{event.summary}}`) and notes: `{{event.<field>}}` reads the event, and
 * `{{variables.<name>}}` (or just `{{<name>}}`, as PagerDuty's own examples write it)
 * reads a variable the rule extracted. Compiled once; rendering never throws. A value
 * that is absent renders as nothing; a list renders its elements joined by ", ", and an
 * object renders as JSON.
 */
import { parseFieldPath, reader, textOf, type Reader, type RuleEvent } from './event.js';

export const MAX_TEMPLATE_LENGTH = 2048;

export type Variables = ReadonlyMap<string, string>;
export type Template = (e: RuleEvent, vars: Variables | undefined) => string;

type Part = string | { read: Reader; timestamp: boolean } | { variable: string };

/** `variables` names the variables the rule defines; a reference to any other is refused. */
export function compileTemplate(src: string, variables: ReadonlySet<string>): { ok: true; render: Template } | { ok: false; problem: string } {
  if (src.length > MAX_TEMPLATE_LENGTH) return { ok: false, problem: `the template is longer than ${MAX_TEMPLATE_LENGTH} characters` };
  const parts: Part[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      parts.push(src.slice(i));
      break;
    }
    if (open > i) parts.push(src.slice(i, open));
    const close = src.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, problem: `unclosed "{{" at ${open + 1}` };
    const name = src.slice(open + 2, close).trim();
    const at = open + 1;
    if (name.startsWith('variables.')) {
      const v = name.slice('variables.'.length);
      if (!variables.has(v)) return { ok: false, problem: `unknown variable ${name} at ${at} (define it in this rule's variables)` };
      parts.push({ variable: v });
    } else if (name.startsWith('event.') || name.includes('.')) {
      const f = parseFieldPath(name);
      if (!f.ok) return { ok: false, problem: `${f.problem} at ${at}` };
      parts.push({ read: reader(f.ref), timestamp: f.ref.kind === 'timestamp' });
    } else if (variables.has(name)) {
      parts.push({ variable: name });
    } else {
      return { ok: false, problem: `unknown reference {{${name}}} at ${at} (use {{event.<field>}} or {{variables.<name>}})` };
    }
    i = close + 2;
  }
  if (parts.every((p) => typeof p === 'string')) {
    const text = parts.join('');
    return { ok: true, render: () => text };
  }
  return {
    ok: true,
    render(e, vars) {
      let out = '';
      for (const p of parts) {
        if (typeof p === 'string') out += p;
        else if ('variable' in p) out += vars?.get(p.variable) ?? '';
        else out += p.timestamp ? new Date(e.timestamp).toISOString() : render(p.read(e));
      }
      return out;
    },
  };
}

function render(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => textOf(x) ?? '').join(', ');
  return textOf(v) ?? '';
}
