import type { ResourceKind } from '../../shared/settings';
import type { AssetUnit, Clock, Detection, Lease } from './adapter';
import { BaseAdapter, type LeaseEnd } from './base-adapter';

export interface FakeAdapterOptions {
  readonly kind?: ResourceKind;
  readonly unit?: AssetUnit;
  /** How much the fake machine has; default 1000. */
  readonly total?: number;
  /** False: the fake machine has none of it (detect reports `reason`). */
  readonly present?: boolean;
  readonly reason?: string;
  readonly clock?: Clock;
}

/**
 * Test double of AssetAdapter for other modules' tests: the real lease bookkeeping (caps, expiry, over-commit,
 * refusals) over a pretend resource, and a log of how each lease ended.
 */
export class FakeAdapter extends BaseAdapter {
  readonly kind: ResourceKind;
  readonly unit: AssetUnit;
  readonly #total: number;
  readonly #present: boolean;
  readonly #reason: string;
  /** Every lease that ended, in order, and how. */
  readonly ended: { readonly lease: Lease; readonly why: LeaseEnd }[] = [];

  constructor(options: FakeAdapterOptions = {}) {
    super(options.clock);
    this.kind = options.kind ?? 'cpu';
    this.unit = options.unit ?? 'slots';
    this.#total = options.total ?? 1000;
    this.#present = options.present ?? true;
    this.#reason = options.reason ?? `no ${this.kind} on this fake machine`;
  }

  protected readDetection(): Promise<Detection> {
    return Promise.resolve(
      this.#present
        ? {
            present: true,
            total: this.#total,
            unit: this.unit,
            descriptor: { fake: true, total: this.#total },
            summary: `${this.#total} ${this.unit} (fake)`,
          }
        : { present: false, reason: this.#reason },
    );
  }

  protected override onLeaseEnd(lease: Lease, why: LeaseEnd): void {
    this.ended.push({ lease, why });
  }
}

export interface ManualClock {
  (): number;
  /** Moves time forward by `ms`. */
  advance(ms: number): void;
}

/** A clock that moves only when told; for lease-expiry tests without sleeping. */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}
