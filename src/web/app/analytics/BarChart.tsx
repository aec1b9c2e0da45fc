import { msg } from '../../i18n';
/**
 * A bar chart drawn as SVG: no library, no external assets, scales to the width of a phone.
 * The SVG is a picture (role="img" with a summary label); the same numbers are always in a
 * table beside it, which is what screen readers read.
 */
export function BarChart({ title, labels, values, unit = '' }: { title: string; labels: string[]; values: number[]; unit?: string }) {
  const max = Math.max(1, ...values);
  const w = 100 / Math.max(1, values.length);
  const peak = values.length ? labels[values.indexOf(Math.max(...values))] : '';
  return (
    <figure className="chart">
      <svg viewBox="0 0 100 44" preserveAspectRatio="none" role="img" aria-label={msg('analytics.barChart.highest_at_the_numbers_are_in', { title: title, v1: Math.max(0, ...values), unit: unit, peak: peak })}>
        <line x1="0" y1="40" x2="100" y2="40" stroke="currentColor" strokeWidth="0.2" />
        {values.map((v, i) => {
          const h = (v / max) * 36;
          return <rect key={i} x={i * w + w * 0.12} y={40 - h} width={w * 0.76} height={h} fill="#0b3d6e" />;
        })}
      </svg>
      <figcaption className="chart-axis" aria-hidden="true">
        <span>{labels[0]}</span>
        <span>{labels[labels.length - 1]}</span>
      </figcaption>
    </figure>
  );
}
