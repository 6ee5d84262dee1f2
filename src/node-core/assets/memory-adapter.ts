import type { HardwareInfo } from '../../shared/hardware';
import { formatBytes } from '../../shared/privacy';
import type { Detection, Lease } from './adapter';
import { AllocationError, AssetAccessError } from './errors';
import { HardwareAdapter, type HardwareAdapterOptions } from './hardware-adapter';

const GIB = 1024 ** 3;
const PAGE = 4096;

export interface MemoryAdapterOptions extends HardwareAdapterOptions {
  /** The pool is made of segments of this size (a typed array holds at most 4 GiB); default 1 GiB. */
  readonly segmentBytes?: number;
  /** Touch every page of the pool so the OS really commits it (default true). */
  readonly commit?: boolean;
}

/**
 * Shared RAM. While the cap allows N bytes the adapter really holds an N-byte pool (zeroed typed arrays, every
 * page touched so the OS commits it); a lease is a contiguous slice of the pool that the consumer reaches only
 * through `write` / `read` with bounds checks. A released or expired slice is zeroed before anyone else gets it.
 *
 * Raising the cap grows the pool at once. Lowering it shrinks the pool as soon as no live slice lies beyond the new
 * size (new slices are placed below the cap, so the shrink happens when the leases past it end); until then
 * `describe().overCommitted` reports the excess and nothing new is granted past the cap. The sharing rules' ceiling
 * (`setRuleCeiling`: the in-use memory share, the schedule) sizes the pool the same way while it holds: new slices
 * are refused past it, existing ones are kept, and the pool grows back when it lifts.
 */
export class MemoryAdapter extends HardwareAdapter {
  readonly kind = 'memory' as const;
  readonly unit = 'bytes' as const;
  readonly #segmentBytes: number;
  readonly #commit: boolean;
  #segments: Uint8Array[] = [];
  readonly #offsets = new Map<string, number>();

  constructor(options: MemoryAdapterOptions) {
    super(options);
    const seg = options.segmentBytes ?? GIB;
    if (!Number.isInteger(seg) || seg < 1 || seg > 4 * GIB) throw new RangeError('segmentBytes must be 1 B – 4 GiB');
    this.#segmentBytes = seg;
    this.#commit = options.commit ?? true;
  }

  protected detectFrom(hw: HardwareInfo): Detection {
    const total = hw.memory.totalBytes;
    if (!(total > 0)) return { present: false, reason: 'the OS reports no memory size', code: 'size-unknown' };
    return {
      present: true,
      total,
      unit: 'bytes',
      descriptor: { resource: 'ram', totalBytes: total },
      summary: `${formatBytes(total)} RAM`,
    };
  }

  /** Bytes the pool really holds now (the sum of its typed arrays' byteLength). */
  get poolByteLength(): number {
    return this.#segments.reduce((sum, s) => sum + s.byteLength, 0);
  }

  /** The pool's typed arrays, for inspection; do not keep them across cap changes (the pool may be rebuilt). */
  poolSegments(): readonly Uint8Array[] {
    return this.#segments;
  }

  protected override onDetected(): void {
    this.#resize();
  }

  protected override onCapsChanged(): void {
    this.#resize();
  }

  protected override reserve(lease: Lease): void {
    const limit = Math.min(this.poolByteLength, this.admissible());
    const taken = this.activeLeases()
      .map((l) => {
        const offset = this.#offsets.get(l.id) ?? 0;
        return { offset, end: offset + l.amount };
      })
      .sort((a, b) => a.offset - b.offset);
    let candidate = 0;
    for (const slice of taken) {
      if (slice.offset - candidate >= lease.amount) break;
      candidate = Math.max(candidate, slice.end);
    }
    if (candidate + lease.amount > limit) {
      throw new AllocationError(
        'over-cap',
        `memory: no free slice of ${lease.amount} bytes in the ${limit}-byte pool (free space is fragmented)`,
      );
    }
    this.#offsets.set(lease.id, candidate);
  }

  protected override onLeaseEnd(lease: Lease): void {
    const offset = this.#offsets.get(lease.id);
    this.#offsets.delete(lease.id);
    if (offset !== undefined) this.#fill(offset, lease.amount);
    this.#resize();
  }

  /** Copies `data` into the lease's slice at `offset`; refuses anything outside the slice. */
  write(leaseId: string, offset: number, data: Uint8Array): void {
    const { start } = this.#range(leaseId, offset, data.byteLength);
    this.#each(start, data.byteLength, (seg, from, to, done) => seg.set(data.subarray(done, done + to - from), from));
  }

  /** A copy of `length` bytes of the lease's slice from `offset`. */
  read(leaseId: string, offset: number, length: number): Uint8Array {
    const { start } = this.#range(leaseId, offset, length);
    const out = new Uint8Array(length);
    this.#each(start, length, (seg, from, to, done) => out.set(seg.subarray(from, to), done));
    return out;
  }

  #range(leaseId: string, offset: number, length: number): { start: number } {
    const lease = this.lease(leaseId);
    const base = this.#offsets.get(lease.id) ?? 0;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0) {
      throw new AssetAccessError('out-of-range', 'memory: offset and length must be whole numbers ≥ 0');
    }
    if (offset + length > lease.amount) {
      throw new AssetAccessError(
        'out-of-range',
        `memory: bytes ${offset}–${offset + length} are outside the lease's ${lease.amount} bytes`,
      );
    }
    return { start: base + offset };
  }

  #each(start: number, length: number, fn: (seg: Uint8Array, from: number, to: number, done: number) => void): void {
    let done = 0;
    while (done < length) {
      const at = start + done;
      const index = Math.floor(at / this.#segmentBytes);
      const seg = this.#segments[index];
      if (!seg) throw new AssetAccessError('out-of-range', 'memory: the slice lies outside the pool');
      const from = at - index * this.#segmentBytes;
      const to = Math.min(seg.byteLength, from + (length - done));
      fn(seg, from, to, done);
      done += to - from;
    }
  }

  #fill(start: number, length: number): void {
    if (length > 0) this.#each(start, length, (seg, from, to) => seg.fill(0, from, to));
  }

  /**
   * Makes the pool exactly the admissible size (the share, lowered while the sharing rules tighten) when no live
   * slice is in the way.
   */
  #resize(): void {
    const target = this.admissible();
    if (target === this.poolByteLength) return;
    let liveEnd = 0;
    for (const lease of this.activeLeases()) {
      liveEnd = Math.max(liveEnd, (this.#offsets.get(lease.id) ?? 0) + lease.amount);
    }
    if (target < liveEnd) return; // shrinks once the leases past the new size end
    const seg = this.#segmentBytes;
    const next: Uint8Array[] = [];
    for (let i = 0; i * seg < target; i++) {
      const size = Math.min(seg, target - i * seg);
      const old = this.#segments[i];
      if (old?.byteLength === size) {
        next.push(old);
        continue;
      }
      const fresh = new Uint8Array(size);
      if (this.#commit) for (let p = 0; p < size; p += PAGE) fresh[p] = 0;
      if (old) fresh.set(old.subarray(0, Math.min(size, old.byteLength)));
      next.push(fresh);
    }
    this.#segments = next;
  }
}
