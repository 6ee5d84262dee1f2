import { formatBytes } from '../shared/privacy';
import {
  PAUSE_SECONDS_RANGE,
  REASON_LABELS,
  absentText,
  SENSOR_LABELS,
  type PauseRequest,
  type PauseState,
} from '../shared/sharing-view';
import type { ResourceShareView, SharingView } from '../shared/sharing-view';

/** The CLI's view of the sharing rules: `pause --for DURATION`, and the allowed-vs-used lines of `status`. */

export class DurationError extends Error {
  override name = 'DurationError';
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * `--for` of `hypermesh pause`: `tomorrow` (local midnight), or a duration such as `90m`, `1h`, `2h30m`, `1d`
 * (from 1 minute to 30 days). Absent: until `hypermesh resume`.
 */
export function parsePauseFor(text: string | undefined): PauseRequest {
  if (text === undefined) return { for: 'until-resumed' };
  if (text === 'tomorrow') return { for: 'tomorrow' };
  const parts = /^(?:\d{1,6}[smhd])+$/.test(text) ? [...text.matchAll(/(\d{1,6})([smhd])/g)] : [];
  const seconds = parts.reduce((sum, m) => sum + Number(m[1]) * (UNIT_SECONDS[m[2] ?? ''] ?? 0), 0);
  const range = PAUSE_SECONDS_RANGE;
  if (parts.length === 0 || seconds < range.min || seconds > range.max) {
    throw new DurationError(
      `--for must be "tomorrow" or a duration from 1m to 30d such as 90m, 1h or 2h30m, got "${text}"`,
    );
  }
  return { for: 'seconds', seconds };
}

export function formatPause(state: PauseState): string {
  if (!state.paused) return 'sharing resumed\n';
  return state.until === null
    ? 'sharing paused until you resume it (hypermesh resume)\n'
    : `sharing paused until ${new Date(state.until).toLocaleString()}\n`;
}

function amount(r: ResourceShareView, value: number): string {
  switch (r.unit) {
    case 'cores':
      return `${Number(value.toFixed(2))} cores`;
    case 'bytes':
      return formatBytes(value);
    case 'bits/s':
      return `${Number((value / 1e6).toFixed(2))} Mbit/s`;
  }
}

/** One line per resource: allowed now (after the rules), used by peers now, and why the allowance is lower. */
export function formatAllowance(view: SharingView): string[] {
  const lines = [`  Rules:    ${view.state}${view.pausedUntil ? ` until ${view.pausedUntil}` : ''}`];
  for (const r of view.resources) {
    const allowed =
      r.allowed === null ? absentText(r) : `${amount(r, r.allowed)} (${Number(r.allowedPercent.toFixed(2))}%)`;
    const used = r.used === null ? 'not measured' : `${amount(r, r.used)}${r.usedSource === 'leased' ? ' leased' : ''}`;
    const why = r.reasons.length > 0 ? `  [${r.reasons.map((c) => REASON_LABELS[c]).join(', ')}]` : '';
    lines.push(`    ${r.kind.padEnd(9)} allowed ${allowed}, used ${r.allowed === null ? '-' : used}${why}`);
  }
  if (view.unavailable.length > 0) {
    lines.push(`  Sensors:  ${view.unavailable.map((c) => SENSOR_LABELS[c]).join('; ')}`);
  }
  return lines;
}
