import { randomBytes } from 'node:crypto';
import type { ResourceKind } from '../../shared/settings';
import { base32 } from '../identity/index';
import {
  ZERO_CAPS,
  checkCaps,
  systemClock,
  type AssetAdapter,
  type AssetCapacity,
  type AssetCaps,
  type AssetUnit,
  type AssetUsage,
  type Clock,
  type Detection,
  type Lease,
  type LeaseRequest,
} from './adapter';
import { AllocationError, InvalidCapsError, LeaseNotFoundError } from './errors';

export type LeaseEnd = 'released' | 'expired' | 'closed';

const MAX_CONSUMER_LENGTH = 256;

/**
 * The bookkeeping every adapter shares: caps, leases, expiry, over-commit. Subclasses say what the machine has
 * (`readDetection`), how much a percent allows (`allowedFor`), and hook real reservations in `reserve` / `onLeaseEnd`
 * / `onCapsChanged`.
 */
export abstract class BaseAdapter implements AssetAdapter {
  abstract readonly kind: ResourceKind;
  abstract readonly unit: AssetUnit;
  protected readonly clock: Clock;
  #caps: AssetCaps = ZERO_CAPS;
  /** The sharing rules' allowance now, percent (null: none applies); bounds new leases only. */
  #ruleCeiling: number | null = null;
  #detection: Detection | null = null;
  readonly #leases = new Map<string, Lease>();

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  /** Reads what the machine has; may throw, detect() turns a failure into `present: false`. */
  protected abstract readDetection(): Promise<Detection>;

  /** Whether amounts must be whole numbers (CPU slots). */
  protected wholeAmounts(): boolean {
    return false;
  }

  /** The share `percent` allows of `total`. */
  protected allowedFor(total: number, percent: number): number {
    return Math.floor((total * percent) / 100);
  }

  /** Really reserves the lease (called after the cap checks pass); may throw AllocationError to refuse. */
  protected reserve(_lease: Lease): void {}

  /** Frees what `reserve` took. */
  protected onLeaseEnd(_lease: Lease, _why: LeaseEnd): void {}

  protected onCapsChanged(): void {}

  protected onDetected(): void {}

  async detect(): Promise<Detection> {
    let detection: Detection;
    try {
      detection = await this.readDetection();
    } catch (err) {
      detection = {
        present: false,
        reason: `detection failed: ${err instanceof Error ? err.message : String(err)}`,
        code: 'detection-failed',
      };
    }
    this.#detection = detection;
    this.onDetected();
    return detection;
  }

  detection(): Detection | null {
    return this.#detection;
  }

  get caps(): AssetCaps {
    return this.#caps;
  }

  setCaps(caps: AssetCaps): void {
    const problem = checkCaps(caps);
    if (problem) throw new InvalidCapsError(`${this.kind}: ${problem}`);
    this.#caps = { ...caps };
    this.sweep();
    this.onCapsChanged();
  }

  /**
   * What the sharing rules allow now (percent, fractional), below the caps: new leases must fit under it, existing
   * ones are kept. Only resources whose use cannot be paused take it (memory: a pool that is held is in use); the
   * node does not give it to CPU/GPU, whose leases are admitted by the sliders and whose jobs are slowed instead.
   */
  setRuleCeiling(percent: number | null): void {
    if (percent !== null && !(Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
      throw new InvalidCapsError(`${this.kind}: the rules' ceiling must be a percent 0–100 or null, got ${percent}`);
    }
    if (percent === this.#ruleCeiling) return;
    this.#ruleCeiling = percent;
    this.sweep();
    this.onCapsChanged();
  }

  get ruleCeiling(): number | null {
    return this.#ruleCeiling;
  }

  /** What new leases may fill in all: the caps' share, lowered by the rules' ceiling. */
  protected admissible(): number {
    const allowed = this.allowed();
    const ceiling = this.#ruleCeiling;
    return ceiling === null ? allowed : Math.min(allowed, this.allowedFor(this.total(), Math.floor(ceiling)));
  }

  /** All of the resource (0 when absent or not yet detected). */
  protected total(): number {
    const d = this.#detection;
    return d?.present ? d.total : 0;
  }

  /** What the caps allow in all. */
  protected allowed(): number {
    const total = this.total();
    return total > 0 ? Math.min(total, this.allowedFor(total, this.#caps.percent)) : 0;
  }

  protected inUse(): number {
    let sum = 0;
    for (const lease of this.#leases.values()) sum += lease.amount;
    return sum;
  }

  protected activeLeases(): Lease[] {
    return [...this.#leases.values()];
  }

  describe(): AssetCapacity {
    this.sweep();
    const d = this.#detection;
    const allowed = this.allowed();
    const inUse = this.inUse();
    const reason = d === null ? 'not detected yet' : d.present ? undefined : d.reason;
    const absentCode = d === null ? 'not-detected' : d.present ? undefined : d.code;
    return {
      kind: this.kind,
      unit: this.unit,
      present: d?.present ?? false,
      ...(reason === undefined ? {} : { reason }),
      ...(absentCode === undefined ? {} : { absentCode }),
      total: this.total(),
      allowed,
      inUse,
      available: Math.max(0, this.admissible() - inUse),
      overCommitted: Math.max(0, inUse - allowed),
      caps: this.#caps,
    };
  }

  usage(): AssetUsage {
    this.sweep();
    const leases = this.activeLeases();
    const inUse = this.inUse();
    return {
      kind: this.kind,
      unit: this.unit,
      inUse,
      consumers: new Set(leases.map((l) => l.consumer)).size,
      leases,
      overCommitted: Math.max(0, inUse - this.allowed()),
    };
  }

  allocate(request: LeaseRequest): Lease {
    this.sweep();
    this.#checkRequest(request);
    const d = this.#detection;
    if (d === null) throw new AllocationError('unavailable', `${this.kind}: not detected yet (call detect() first)`);
    if (!d.present) throw new AllocationError('unavailable', `${this.kind} is not available here: ${d.reason}`);
    const caps = this.#caps;
    const maxMs = caps.maxDurationMinutes * 60_000;
    if (request.durationMs > maxMs) {
      throw new AllocationError(
        'too-long',
        `${this.kind}: a lease lasts at most ${caps.maxDurationMinutes} min, asked for ${request.durationMs} ms`,
      );
    }
    const consumers = new Set(this.activeLeases().map((l) => l.consumer));
    if (!consumers.has(request.consumer) && consumers.size >= caps.maxConcurrentUsers) {
      throw new AllocationError(
        'too-many-users',
        `${this.kind}: ${consumers.size} consumers already hold leases (the most allowed is ${caps.maxConcurrentUsers})`,
      );
    }
    const allowed = this.admissible();
    const inUse = this.inUse();
    if (request.amount > allowed - inUse) {
      const byRules = allowed < this.allowed() ? ` (the sharing rules allow ${this.#ruleCeiling} % now)` : '';
      const why =
        allowed === 0
          ? `the cap is zero (sharing ${caps.percent} %)${byRules}`
          : inUse > allowed
            ? `leases already exceed the lowered cap by ${inUse - allowed} ${this.unit}${byRules}`
            : `only ${allowed - inUse} of ${allowed} ${this.unit} are free${byRules}`;
      throw new AllocationError('over-cap', `${this.kind}: asked for ${request.amount} ${this.unit} but ${why}`);
    }
    const now = this.clock();
    const lease: Lease = {
      id: `${this.kind}-${base32(randomBytes(10))}`,
      kind: this.kind,
      consumer: request.consumer,
      amount: request.amount,
      unit: this.unit,
      grantedAt: now,
      expiresAt: now + request.durationMs,
    };
    this.reserve(lease);
    this.#leases.set(lease.id, lease);
    return lease;
  }

  #checkRequest(request: LeaseRequest): void {
    const bad = (message: string) => new AllocationError('invalid-request', `${this.kind}: ${message}`);
    if (typeof request !== 'object' || request === null) throw bad('a lease request must be an object');
    const { amount, durationMs, consumer } = request;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
      throw bad(`amount must be a positive number of ${this.unit}, got ${String(amount)}`);
    }
    if (this.wholeAmounts() && !Number.isInteger(amount)) {
      throw bad(`amount must be a whole number of ${this.unit}, got ${amount}`);
    }
    if (!Number.isSafeInteger(Math.ceil(amount))) throw bad(`amount ${amount} is too large`);
    if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs <= 0) {
      throw bad(`durationMs must be a positive number of milliseconds, got ${String(durationMs)}`);
    }
    if (typeof consumer !== 'string' || consumer.length === 0 || consumer.length > MAX_CONSUMER_LENGTH) {
      throw bad(`consumer must be a non-empty string of at most ${MAX_CONSUMER_LENGTH} characters`);
    }
  }

  /** The active lease `leaseId` (after sweeping), or LeaseNotFoundError. */
  protected lease(leaseId: string): Lease {
    this.sweep();
    const lease = this.#leases.get(leaseId);
    if (!lease) throw new LeaseNotFoundError(leaseId);
    return lease;
  }

  release(leaseId: string): void {
    this.#end(this.lease(leaseId), 'released');
  }

  sweep(): readonly Lease[] {
    const now = this.clock();
    const expired = this.activeLeases().filter((l) => l.expiresAt <= now);
    for (const lease of expired) this.#end(lease, 'expired');
    return expired;
  }

  #end(lease: Lease, why: LeaseEnd): void {
    if (!this.#leases.delete(lease.id)) return;
    this.onLeaseEnd(lease, why);
  }

  close(): void {
    for (const lease of this.activeLeases()) this.#end(lease, 'closed');
    this.setCaps(ZERO_CAPS);
  }
}
