import type {
  AssetSearchQuery,
  MeshPeerView,
  Reachability,
  RemoteAllocationRequest,
  RemoteAssetView,
} from '../../../../shared/mesh';
import { parseServiceAddress, splitAddressList, type ResourceKind } from '../../../../shared/settings';
import { formatAmount, type AssetUnit } from '../../format';

/* Renderer helpers for the mesh: the Network page's mesh section, the Marketplace and the Mesh settings. */

/** How the mesh says peers reach this node, in words. */
export const REACHABILITY_TEXT: Readonly<Record<Reachability, string>> = {
  public: 'Reachable directly (public)',
  'behind-nat': 'Behind NAT',
  relayed: 'Reachable through a relay',
  unknown: 'Not known yet',
};

/** A mesh peer's connection in words (not colour alone). */
export function peerStateText(peer: Pick<MeshPeerView, 'connected' | 'relayed'>): string {
  if (!peer.connected) return 'not connected';
  return peer.relayed ? 'connected through a relay' : 'connected directly';
}

/** A trust score (0–1) as a whole percentage, e.g. "50 %". */
export function formatTrustScore(score: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(score) ? score : 0));
  return `${Math.round(clamped * 100)} %`;
}

export function formatRtt(rttMs: number | null): string {
  if (rttMs === null) return '—';
  return rttMs < 10 ? `${rttMs.toFixed(1)} ms` : `${Math.round(rttMs)} ms`;
}

/** A rate in Caesar per hour (decimal string, as the node sends it). */
export function formatPrice(pricePerHour: string): string {
  return `${pricePerHour} Caesar/h`;
}

/** A unit people type amounts in, and how many of the asset's unit one of it is. */
export interface InputUnit {
  readonly label: string;
  readonly factor: number;
  /** Only whole numbers (CPU slots). */
  readonly whole: boolean;
}

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
export const CORES: InputUnit = { label: 'cores', factor: 1, whole: true };
export const MIB_UNIT: InputUnit = { label: 'MiB', factor: MIB, whole: false };
export const GIB_UNIT: InputUnit = { label: 'GiB', factor: GIB, whole: false };
export const MBITS: InputUnit = { label: 'Mbit/s', factor: 1e6, whole: false };

/** The unit the search form's minimum capacity is typed in, per kind. */
export const SEARCH_CAPACITY_UNIT: Readonly<Record<ResourceKind, InputUnit>> = {
  cpu: CORES,
  gpu: GIB_UNIT,
  memory: GIB_UNIT,
  storage: GIB_UNIT,
  bandwidth: MBITS,
};

/** The unit an allocation's amount is typed in, per asset unit. */
export function allocationInputUnit(unit: AssetUnit): InputUnit {
  if (unit === 'bytes') return MIB_UNIT;
  if (unit === 'bits/s') return MBITS;
  return CORES;
}

const DECIMAL_INPUT = /^\d+(\.\d+)?$/;

/** A typed amount in the asset's unit (rounded to a whole number of it); null unless it is a number ≥ 0. */
export function toBaseUnits(text: string, unit: InputUnit): number | null {
  const t = text.trim();
  if (!DECIMAL_INPUT.test(t)) return null;
  const value = Number(t);
  if (!Number.isFinite(value) || (unit.whole && !Number.isInteger(value))) return null;
  const base = Math.round(value * unit.factor);
  return Number.isSafeInteger(base) ? base : null;
}

/** An amount in the asset's unit as typed in `unit`, rounded down to two decimals (so it never exceeds it). */
export function fromBaseUnits(value: number, unit: InputUnit): string {
  const n = value / unit.factor;
  if (unit.whole || Number.isInteger(n)) return String(Math.floor(n));
  return String(Math.floor(n * 100) / 100);
}

/** A sensible first amount to ask for: one core, 64 MiB, 10 Mbit/s — or all that is offered, if less. */
export function defaultAllocationAmount(asset: Pick<RemoteAssetView, 'capacity'>): number {
  const { unit, allowed } = asset.capacity;
  const part = unit === 'slots' ? 1 : unit === 'bytes' ? 64 * MIB : 10e6;
  return Math.max(0, Math.min(part, allowed));
}

/** The price regex the node checks (shared/api/validators.ts): up to 12 digits, up to 8 decimals. */
const PRICE = /^(0|[1-9]\d{0,11})(\.\d{1,8})?$/;
export const MAX_LATENCY_MS = 600_000;

export interface SearchForm {
  readonly kind: ResourceKind | '';
  readonly minCapacity: string;
  readonly maxPrice: string;
  readonly maxLatency: string;
  readonly verifiedOnly: boolean;
}

export const EMPTY_SEARCH: SearchForm = {
  kind: '',
  minCapacity: '',
  maxPrice: '',
  maxLatency: '',
  verifiedOnly: false,
};

export type SearchFormErrors = Partial<Record<'minCapacity' | 'maxPrice' | 'maxLatency', string>>;

export type ParsedSearch =
  { readonly ok: true; readonly query: AssetSearchQuery } | { readonly ok: false; readonly errors: SearchFormErrors };

/** Turns the search form into a query the node accepts, or says what is wrong with each field. */
export function parseSearchForm(form: SearchForm): ParsedSearch {
  const errors: SearchFormErrors = {};
  let minCapacity: number | undefined;
  if (form.kind !== '' && form.minCapacity.trim() !== '') {
    const unit = SEARCH_CAPACITY_UNIT[form.kind];
    const base = toBaseUnits(form.minCapacity, unit);
    if (base === null) {
      errors.minCapacity = unit.whole
        ? `Enter a whole number of ${unit.label}, or leave it empty.`
        : `Enter a number of ${unit.label} such as 1.5, or leave it empty.`;
    } else minCapacity = base;
  }
  const price = form.maxPrice.trim();
  if (price !== '' && !PRICE.test(price)) {
    errors.maxPrice = 'Enter a price in Caesar per hour such as 0.5 (up to 8 decimals), or leave it empty.';
  }
  const latencyText = form.maxLatency.trim();
  let maxLatencyMs: number | undefined;
  if (latencyText !== '') {
    const n = /^\d+$/.test(latencyText) ? Number(latencyText) : NaN;
    if (!Number.isInteger(n) || n > MAX_LATENCY_MS) {
      errors.maxLatency = `Enter whole milliseconds from 0 to ${MAX_LATENCY_MS}, or leave it empty.`;
    } else maxLatencyMs = n;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    query: {
      ...(form.kind !== '' && { kind: form.kind }),
      ...(minCapacity !== undefined && { minCapacity }),
      ...(price !== '' && { maxPricePerHour: price }),
      ...(maxLatencyMs !== undefined && { maxLatencyMs }),
      ...(form.verifiedOnly && { requireAllProofs: true }),
    },
  };
}

/** The longest lease the UI asks for, in minutes (the node's limit: 30 days). */
export const MAX_DURATION_MINUTES = 43_200;

export type ParsedAllocation =
  | { readonly ok: true; readonly request: RemoteAllocationRequest }
  | { readonly ok: false; readonly amountError: string | null; readonly durationError: string | null };

/** Checks the Allocate form against what the asset offers; the amount is typed in {@link allocationInputUnit}. */
export function parseAllocationForm(
  asset: Pick<RemoteAssetView, 'assetId' | 'capacity'>,
  amountText: string,
  durationText: string,
): ParsedAllocation {
  const unit = allocationInputUnit(asset.capacity.unit);
  const offered = formatAmount(asset.capacity.allowed, asset.capacity.unit);
  const amount = toBaseUnits(amountText, unit);
  let amountError: string | null = null;
  if (amount === null || amount < 1) {
    amountError = unit.whole
      ? `Enter a whole number of ${unit.label}, at least 1.`
      : `Enter an amount in ${unit.label}.`;
  } else if (amount > asset.capacity.allowed) {
    amountError = `At most ${offered} is offered.`;
  }
  const t = durationText.trim();
  const minutes = /^\d+$/.test(t) ? Number(t) : NaN;
  const durationError =
    Number.isInteger(minutes) && minutes >= 1 && minutes <= MAX_DURATION_MINUTES
      ? null
      : `Enter whole minutes from 1 to ${MAX_DURATION_MINUTES} (30 days).`;
  if (amountError !== null || durationError !== null || amount === null) {
    return { ok: false, amountError, durationError };
  }
  return { ok: true, request: { assetId: asset.assetId, amount, durationMs: minutes * 60_000 } };
}

/** The node's limits on `mesh.bootstrap` (src/shared/settings.ts). */
const MAX_BOOTSTRAP_ENTRIES = 32;
const MAX_BOOTSTRAP_LENGTH = 2000;

/** What is wrong with a bootstrap peer list, in words; null when the node will accept it (empty is fine). */
export function bootstrapProblem(text: string): string | null {
  const entries = splitAddressList(text);
  if (text.length > MAX_BOOTSTRAP_LENGTH || entries.length > MAX_BOOTSTRAP_ENTRIES) {
    return `Enter at most ${MAX_BOOTSTRAP_ENTRIES} addresses.`;
  }
  const bad = entries.find((e) => parseServiceAddress(e) === null);
  if (bad === undefined) return null;
  return `"${bad}" is not an address. Enter HOST:PORT entries such as node.example.org:9292, 192.0.2.1:9292 or [2001:db8::1]:9292, separated by commas or spaces.`;
}
