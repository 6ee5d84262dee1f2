import type { HardwareInfo } from '../../shared/hardware';
import type { Detection, Lease } from './adapter';
import { LeaseNotFoundError } from './errors';
import { HardwareAdapter } from './hardware-adapter';

interface Waiting {
  readonly leaseId: string;
  readonly start: () => void;
  readonly fail: (err: unknown) => void;
}

/**
 * Shared CPU leases, counted in slots: `floor(logical cores × percent / 100)`, at least 1 when percent > 0. Slots only
 * bound how many jobs run at once; they are not the CPU cap. The cap is CPU time, fractional: share × cores after the
 * sharing rules, from SharingGovernor.allowedCores(), which the job pool enforces with throttle.ts. A lease holds
 * whole slots; `run(leaseId, task)` starts the task when one of the lease's slots is free and fewer tasks than the
 * current slot count are running in all, so at no moment do more tasks run than the cap allows — also after the user
 * lowers the cap (tasks of existing leases then wait their turn; nothing is killed). Tasks of a lease that ends
 * while they wait are rejected with LeaseNotFoundError; a running task finishes (JavaScript cannot pre-empt it) and
 * keeps its slot until then.
 */
export class CpuAdapter extends HardwareAdapter {
  readonly kind = 'cpu' as const;
  readonly unit = 'slots' as const;
  #running = 0;
  #peak = 0;
  readonly #runningPerLease = new Map<string, number>();
  #queue: Waiting[] = [];

  protected override wholeAmounts(): boolean {
    return true;
  }

  protected override allowedFor(total: number, percent: number): number {
    return percent <= 0 ? 0 : Math.max(1, Math.floor((total * percent) / 100));
  }

  protected detectFrom(hw: HardwareInfo): Detection {
    const cores = hw.cpu.logicalCores;
    if (!(cores >= 1)) return { present: false, reason: 'the OS reports no CPU cores', code: 'size-unknown' };
    return {
      present: true,
      total: cores,
      unit: 'slots',
      descriptor: { model: hw.cpu.model, logicalCores: cores },
      summary: `${cores} cores (${hw.cpu.model})`,
    };
  }

  /** Slots the cap allows now. */
  get slots(): number {
    return this.allowed();
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** The most tasks that ever ran at once. */
  get peakRunning(): number {
    return this.#peak;
  }

  /** Runs `task` in one of the lease's slots, waiting for a free one. */
  async run<T>(leaseId: string, task: () => T | Promise<T>): Promise<T> {
    const lease = this.lease(leaseId); // an unknown lease rejects
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        leaseId: lease.id,
        fail: reject,
        start: () => {
          this.#running++;
          this.#peak = Math.max(this.#peak, this.#running);
          this.#runningPerLease.set(lease.id, (this.#runningPerLease.get(lease.id) ?? 0) + 1);
          void Promise.resolve()
            .then(task)
            .then(resolve, reject)
            .finally(() => {
              this.#running--;
              const left = (this.#runningPerLease.get(lease.id) ?? 1) - 1;
              if (left > 0) this.#runningPerLease.set(lease.id, left);
              else this.#runningPerLease.delete(lease.id);
              this.#pump();
            });
        },
      });
      this.#pump();
    });
  }

  protected override onCapsChanged(): void {
    this.#pump();
  }

  protected override onLeaseEnd(lease: Lease): void {
    const [mine, rest] = partition(this.#queue, (w) => w.leaseId === lease.id);
    this.#queue = rest;
    for (const w of mine) w.fail(new LeaseNotFoundError(lease.id));
  }

  #pump(): void {
    this.sweep();
    const amounts = new Map(this.activeLeases().map((l) => [l.id, l.amount]));
    const still: Waiting[] = [];
    for (const w of this.#queue) {
      const amount = amounts.get(w.leaseId);
      if (amount === undefined) {
        w.fail(new LeaseNotFoundError(w.leaseId));
      } else if (this.#running < this.slots && (this.#runningPerLease.get(w.leaseId) ?? 0) < amount) {
        w.start();
      } else {
        still.push(w);
      }
    }
    this.#queue = still;
  }
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
