/**
 * Summarize a V8 .cpuprofile (from `npm run bench -- --cpu-prof`, which runs each
 * Vigil child with `node --cpu-prof`): the functions with the most self time, and
 * self time grouped by where the code lives (Vigil's own files, each package under
 * node_modules, node's internals, garbage collection, idle).
 *
 *   node dist/bench/bench/profile-summary.js bench/results/prof/<file>.cpuprofile [top=25]
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function summarize(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
  }
  let idle = 0;
  for (const [id, us] of self) if (byId.get(id)!.callFrame.functionName === '(idle)') idle += us;
  const all = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  // Percentages are of the time the process was busy (idle left out).
  const total = all - idle || 1;
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/)/, '$1').replace(/^.*\/dist\//, 'dist/');
    const name = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    let where: string;
    if (!url) where = functionName.startsWith('(') ? functionName : '(native)';
    else if (url.includes('node_modules/')) where = 'node_modules/' + url.split('node_modules/').pop()!.split('/')[0]!;
    else if (url.startsWith('node:')) where = 'node internals';
    else if (url.includes('/dist/')) where = 'vigil ' + url.split('/dist/').pop()!.split('/').slice(0, -1).join('/');
    else where = url;
    area.set(where, (area.get(where) ?? 0) + us);
  }
  // Each busy sample charged to the nearest Vigil frame on its stack (its file): which of
  // Vigil's own code paths the time in libraries was spent for. After an await the stack
  // starts at the resumed function, so this is the nearest *resumed* Vigil function.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = new Map<string, number>();
  for (const [id, us] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    let cur: number | undefined = id;
    let label = '(no Vigil frame: HTTP, GC, start-up, timers)';
    while (cur !== undefined) {
      const url = byId.get(cur)!.callFrame.url;
      if (url.includes('/dist/') && !url.includes('node_modules') && url.includes('/server/')) {
        label = 'vigil ' + url.split('/dist/').pop()!.replace(/^bench\/src\//, '');
        break;
      }
      cur = parent.get(cur);
    }
    owner.set(label, (owner.get(label) ?? 0) + us);
  }
  const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5) + '%';
  const lines = [
    `profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ${profile.samples.length} samples; busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s. Percentages are of busy time.`,
    '',
    'self time by place:',
  ];
  for (const [k, us] of [...area].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', 'busy time by the nearest Vigil file on the stack:');
  for (const [k, us] of [...owner].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  return lines.join('\n');
}

const file = process.argv[2];
if (file && import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25)) + '\n');
}
