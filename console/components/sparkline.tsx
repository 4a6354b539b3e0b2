/** A small live line chart (SVG) with its latest value as text, so it reads without seeing the chart. */
export function Sparkline({ label, unit, values }: { label: string; unit: string; values: number[] }) {
  const width = 120;
  const height = 28;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * (height - 2) - 1).toFixed(1)}`).join(' ');
  const latest = values[values.length - 1];
  return (
    <figure class="spark">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label} chart`}>
        {values.length > 1 ? <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" /> : null}
      </svg>
      <figcaption>
        {label} <strong>{latest !== undefined ? `${latest} ${unit}` : '—'}</strong>
      </figcaption>
    </figure>
  );
}
