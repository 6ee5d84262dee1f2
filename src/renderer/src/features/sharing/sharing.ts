import { formatBytes } from '../../../../shared/privacy';
import type { ResourceKind } from '../../../../shared/settings';
import {
  REASON_LABELS,
  absentText,
  SENSOR_LABELS,
  type PauseRequest,
  type ResourceShareView,
  type SharingView,
} from '../../../../shared/sharing-view';

/** The Dashboard's snooze choices. */
export const PAUSE_CHOICES: readonly { readonly label: string; readonly request: PauseRequest }[] = [
  { label: 'Pause for 1 hour', request: { for: 'seconds', seconds: 3600 } },
  { label: 'Pause until tomorrow', request: { for: 'tomorrow' } },
  { label: 'Pause until I resume', request: { for: 'until-resumed' } },
];

/** Each resource's name as the Sharing page shows it. */
export const RESOURCE_TITLES: Readonly<Record<ResourceKind, string>> = {
  cpu: 'CPU',
  gpu: 'GPU',
  memory: 'Memory',
  storage: 'Storage',
  bandwidth: 'Bandwidth',
};

function amount(r: ResourceShareView, value: number): string {
  switch (r.unit) {
    case 'cores':
      return `${Number(value.toFixed(2))} ${value === 1 ? 'core' : 'cores'}`;
    case 'bytes':
      return formatBytes(value);
    case 'bits/s':
      return `${Number((value / 1e6).toFixed(2))} Mbit/s`;
  }
}

export interface ShareRow {
  readonly kind: ResourceKind;
  readonly title: string;
  /** What the user allows now, after the rules, e.g. "0.5 cores (25 %)". */
  readonly allowed: string;
  /** What peers use now, e.g. "1.2 GiB leased", or why nothing is shown. */
  readonly used: string;
  /** Why the allowance is below the user's allocation; empty when it is not. */
  readonly why: string;
  /** For a meter: the allowance as a share of the allocation, 0–1 (1 without rules in the way). */
  readonly allowedShare: number;
}

/** Allowed vs used, per resource, in words. */
export function shareRows(view: SharingView): ShareRow[] {
  return view.resources.map((r) => {
    const percent = `${Number(r.allowedPercent.toFixed(2))} %`;
    const allowed = r.allowed === null ? absentText(r) : `${amount(r, r.allowed)} (${percent})`;
    const used =
      r.allowed === null
        ? '—'
        : r.used === null
          ? 'not measured yet'
          : `${amount(r, r.used)}${r.usedSource === 'leased' ? ' leased' : ''}`;
    return {
      kind: r.kind,
      title: RESOURCE_TITLES[r.kind],
      allowed,
      used,
      why: r.reasons.map((c) => REASON_LABELS[c]).join(', '),
      allowedShare: r.configuredPercent > 0 ? r.allowedPercent / r.configuredPercent : 0,
    };
  });
}

/** The headline of the Dashboard's sharing card. */
export function sharingHeadline(view: SharingView, formatTime: (iso: string) => string): string {
  switch (view.state) {
    case 'off':
      return 'Not sharing — privacy level is Private';
    case 'paused':
      return view.pausedUntil ? `Paused until ${formatTime(view.pausedUntil)}` : 'Paused until you resume';
    case 'limited':
      return `Sharing less: ${view.reasons.map((c) => REASON_LABELS[c]).join(', ')}`;
    case 'active':
      return 'Sharing';
  }
}

/** What this OS does not let the rules see, e.g. "CPU temperature not available". */
export function unavailableText(view: SharingView): string[] {
  return view.unavailable.map((c) => SENSOR_LABELS[c]);
}
