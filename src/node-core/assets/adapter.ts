import { effectiveAllocation } from '../../shared/privacy';
import { LIMIT_RANGES, type ResourceKind, type Settings } from '../../shared/settings';
import type { AbsentCode } from '../../shared/sharing-view';
import type { AssetDescriptor } from './asset-id';

/** Milliseconds since some epoch; injected so tests move time by hand instead of sleeping. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** The unit an adapter counts in: CPU slots (whole cores), bytes (memory, storage, VRAM) or bits per second. */
export type AssetUnit = 'slots' | 'bytes' | 'bits/s';

/** What the machine has of one resource. Absence is a normal answer, never an exception. */
export type Detection =
  | {
      readonly present: true;
      /** All of it, in `unit`: cores, bytes of RAM / free disk / VRAM, link bits/s. */
      readonly total: number;
      readonly unit: AssetUnit;
      /** What identifies the asset (feeds its AssetId); never includes caps or usage. */
      readonly descriptor: AssetDescriptor;
      /** Plain words, e.g. "8 cores (Test CPU)". */
      readonly summary: string;
    }
  | { readonly present: false; readonly reason: string; readonly code?: AbsentCode };

/** The user's caps for one resource: the effective percent and the limits from settings. */
export interface AssetCaps {
  /** Integer 0–100; 0 shares nothing. */
  readonly percent: number;
  /** How many distinct consumers may hold a lease at once. */
  readonly maxConcurrentUsers: number;
  /** The longest lease granted, in minutes; a lease ends by itself at its duration. */
  readonly maxDurationMinutes: number;
}

/** Caps that share nothing (the state of an adapter before setCaps). */
export const ZERO_CAPS: AssetCaps = Object.freeze({ percent: 0, maxConcurrentUsers: 1, maxDurationMinutes: 1 });

/**
 * The caps settings give one resource: the effective allocation (0 while sharing is paused or the privacy level is
 * Private) and the resource's limits.
 */
export function capsFromSettings(settings: Settings, kind: ResourceKind): AssetCaps {
  const limits = settings.limits[kind];
  return {
    percent: effectiveAllocation(settings)[kind],
    maxConcurrentUsers: limits.maxConcurrentUsers,
    maxDurationMinutes: limits.maxDurationMinutes,
  };
}

/** What an adapter offers now. All amounts in `unit`. */
export interface AssetCapacity {
  readonly kind: ResourceKind;
  readonly unit: AssetUnit;
  /** False before detect() and when the machine has none (then `reason` says why). */
  readonly present: boolean;
  readonly reason?: string;
  /** The reason as a stable code, where the adapter knows one. */
  readonly absentCode?: AbsentCode;
  /** All of it on this machine. */
  readonly total: number;
  /** The share the caps allow: what may be leased in all. */
  readonly allowed: number;
  /** Held by active leases. */
  readonly inUse: number;
  /** What a new lease may still get: max(0, allowed − inUse), lower while the sharing rules' ceiling holds. */
  readonly available: number;
  /** How far leases exceed the cap after the user lowered it (0 normally). New leases are refused meanwhile. */
  readonly overCommitted: number;
  readonly caps: AssetCaps;
}

export interface LeaseRequest {
  /** In the adapter's unit: whole slots for cpu, bytes for memory/storage/gpu, bits/s for bandwidth. */
  readonly amount: number;
  /** How long the lease lasts; at most the cap's maxDurationMinutes. */
  readonly durationMs: number;
  /** Who the lease is for, e.g. the consumer's NodeId. Counts toward maxConcurrentUsers. */
  readonly consumer: string;
}

export interface Lease {
  readonly id: string;
  readonly kind: ResourceKind;
  readonly consumer: string;
  readonly amount: number;
  readonly unit: AssetUnit;
  /** Clock times (ms). The lease ends at `expiresAt` unless released first. */
  readonly grantedAt: number;
  readonly expiresAt: number;
}

export interface AssetUsage {
  readonly kind: ResourceKind;
  readonly unit: AssetUnit;
  /** Sum of active leases' amounts. */
  readonly inUse: number;
  /** Distinct consumers holding leases. */
  readonly consumers: number;
  readonly leases: readonly Lease[];
  readonly overCommitted: number;
}

/**
 * One kind of resource this node shares, with the user's caps enforced inside the adapter (callers are not trusted
 * to respect them).
 *
 * Contract (checked for every adapter by adapter-compliance.ts):
 * - `detect()` reads the machine; it resolves `{ present: false, reason }` when the resource is absent, never throws
 *   for absence. Until it has run the adapter offers nothing.
 * - `setCaps()` takes effect at once for new leases. Lowering caps below what is leased does NOT revoke existing
 *   leases: they run to their end (release or expiry), `describe().overCommitted` reports the excess, and new leases
 *   are refused until usage is back under the cap. (Revoking silently would break consumers mid-work; the cap
 *   still bounds the lease length, so the excess lasts at most maxDurationMinutes.)
 * - `allocate()` grants a lease within the caps or throws AllocationError with reason 'over-cap' | 'too-many-users'
 *   | 'too-long' | 'unavailable' | 'invalid-request'.
 * - `release()` ends a lease and frees its capacity; an unknown or ended lease throws LeaseNotFoundError.
 * - Leases end by themselves at `expiresAt` (by the injected clock): every call sweeps expired leases first, and
 *   `sweep()` may be called on a timer to free them promptly and learn which ended.
 */
export interface AssetAdapter {
  readonly kind: ResourceKind;
  detect(): Promise<Detection>;
  describe(): AssetCapacity;
  setCaps(caps: AssetCaps): void;
  allocate(request: LeaseRequest): Lease;
  release(leaseId: string): void;
  usage(): AssetUsage;
  /** Ends expired leases now and returns them. */
  sweep(): readonly Lease[];
  /** The last detection, or null before detect(). */
  detection(): Detection | null;
  /** Ends every lease and frees what the adapter holds (memory pool, files stay only for live leases). */
  close(): void;
}

export function checkCaps(caps: AssetCaps): string | null {
  const { percent, maxConcurrentUsers, maxDurationMinutes } = caps;
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    return `caps.percent must be an integer 0–100, got ${String(percent)}`;
  }
  const users = LIMIT_RANGES.maxConcurrentUsers;
  if (!Number.isInteger(maxConcurrentUsers) || maxConcurrentUsers < users.min || maxConcurrentUsers > users.max) {
    return `caps.maxConcurrentUsers must be an integer ${users.min}–${users.max}, got ${String(maxConcurrentUsers)}`;
  }
  const mins = LIMIT_RANGES.maxDurationMinutes;
  if (!Number.isInteger(maxDurationMinutes) || maxDurationMinutes < mins.min || maxDurationMinutes > mins.max) {
    return `caps.maxDurationMinutes must be an integer ${mins.min}–${mins.max}, got ${String(maxDurationMinutes)}`;
  }
  return null;
}
