import { formatBytes } from '../../shared/privacy';
import type { ResourceKind } from '../../shared/settings';

export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

/** Short human form of a NodeId, as the node prints it: `hm-7k3d-q2xa`. */
export function shortNodeId(nodeId: string): string {
  return `hm-${nodeId.slice(0, 4)}-${nodeId.slice(4, 8)}`;
}

/** A timestamp in the reader's locale and time zone, e.g. "Nov 25, 2026, 10:11:15 PM". */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** How far `iso` is from `now`: "in 3 h 12 min" or "5 min 2 s ago". */
export function formatRelative(iso: string, now: number): string {
  const seconds = (Date.parse(iso) - now) / 1000;
  if (Number.isNaN(seconds)) return '';
  return seconds >= 0 ? `in ${formatDuration(seconds)}` : `${formatDuration(-seconds)} ago`;
}

/** The unit an asset counts in (see src/shared/assets.ts). */
export type AssetUnit = 'slots' | 'bytes' | 'bits/s';

export const KIND_TITLE: Readonly<Record<ResourceKind, string>> = {
  cpu: 'CPU',
  gpu: 'GPU',
  memory: 'Memory',
  storage: 'Storage',
  bandwidth: 'Bandwidth',
};

/** The unit each kind's leases and receipts count in (the node's adapters). */
export const KIND_UNIT: Readonly<Record<ResourceKind, AssetUnit>> = {
  cpu: 'slots',
  gpu: 'bytes',
  memory: 'bytes',
  storage: 'bytes',
  bandwidth: 'bits/s',
};

/** An amount of a kind as people read it, from its digits (receipts carry amounts as text): "256 MiB of memory". */
export function formatKindAmount(kind: ResourceKind, digits: string): string {
  const value = Number(digits);
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(value)) return `${digits} (${kind})`;
  const what = kind === 'cpu' ? '' : ` of ${kind === 'gpu' ? 'GPU memory' : kind}`;
  return `${formatAmount(value, KIND_UNIT[kind])}${what}`;
}

/** An amount in an asset's unit as people read it: "2 cores", "64 MiB", "100 Mbit/s". */
export function formatAmount(value: number, unit: AssetUnit): string {
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'bits/s') {
    if (value >= 1e9) return `${(value / 1e9).toFixed(1)} Gbit/s`;
    if (value >= 1e6 || value === 0) return `${Math.round(value / 1e6)} Mbit/s`;
    return `${Math.round(value / 1e3)} kbit/s`;
  }
  return `${value} core${value === 1 ? '' : 's'}`;
}
