import { test } from 'vitest';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { scenario } from './on-call.property.test.js';
import { renderLayer } from './on-call.js';
test('stats', () => {
  let amb = 0, gap = 0, n = 0;
  for (const sc of fc.sample(scenario, 400)) {
    n++;
    const { schedule, since, span } = sc;
    let a = false, g = false;
    schedule.layers.forEach((l, i) => {
      if (l.turnLength.unit === 'hours' || l.users.length < 2) return;
      for (const e of renderLayer({ ...schedule, layers: schedule.layers.map(x => ({ ...x, restrictions: [] })) }, i, { since, until: since + span }).slice(1)) {
        const z = Temporal.Instant.fromEpochMilliseconds(e.start).toZonedDateTimeISO(schedule.timeZone);
        const vsw = Temporal.Instant.fromEpochMilliseconds(l.rotationVirtualStart).toZonedDateTimeISO(schedule.timeZone).toPlainTime();
        if (!z.toPlainTime().equals(vsw)) g = true;
        const pdt = z.toPlainDateTime();
        const e1 = pdt.toZonedDateTime(schedule.timeZone, { disambiguation: 'earlier' }).epochMilliseconds;
        const l1 = pdt.toZonedDateTime(schedule.timeZone, { disambiguation: 'later' }).epochMilliseconds;
        if (e1 !== l1) a = true;
      }
    });
    if (a) amb++; if (g) gap++;
  }
  console.log({ n, amb, gap });
});
