import type { TrafficSample } from './slice';

const W = 640;
const H = 160;
const PAD = 28;

function path(samples: readonly TrafficSample[], pick: (s: TrafficSample) => number, max: number): string {
  const n = samples.length;
  return samples
    .map((s, i) => {
      const x = PAD + (n === 1 ? 0 : (i / (n - 1)) * (W - PAD - 8));
      const y = H - PAD - (pick(s) / max) * (H - PAD - 8);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** Send and receive rates over the last samples, as a small SVG line chart with a text summary for screen readers. */
export function TrafficChart(props: { samples: readonly TrafficSample[] }) {
  const { samples } = props;
  const last = samples[samples.length - 1];
  const max = Math.max(1, ...samples.map((s) => Math.max(s.sendMbps, s.receiveMbps)));
  const summary = last
    ? `Now sending ${last.sendMbps.toFixed(2)} Mbit/s and receiving ${last.receiveMbps.toFixed(2)} Mbit/s`
    : 'No traffic measured yet';
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-testid="traffic-chart">
        <line x1={PAD} y1={H - PAD} x2={W - 8} y2={H - PAD} className="axis" />
        <line x1={PAD} y1={8} x2={PAD} y2={H - PAD} className="axis" />
        <text x={2} y={14} className="tick">
          {max.toFixed(max < 10 ? 1 : 0)}
        </text>
        <text x={2} y={H - PAD} className="tick">
          0
        </text>
        <text x={PAD} y={H - 8} className="tick">
          Mbit/s over the last {samples.length * 2} s
        </text>
        {samples.length > 1 && (
          <>
            <path d={path(samples, (s) => s.sendMbps, max)} className="line-send" />
            <path d={path(samples, (s) => s.receiveMbps, max)} className="line-receive" />
          </>
        )}
      </svg>
      <figcaption>
        <span className="key-send">■ sent</span> <span className="key-receive">■ received</span> — {summary}
      </figcaption>
    </figure>
  );
}
