import type { HardwareInfo } from '../../shared/hardware';
import type { Detection } from './adapter';
import { HardwareAdapter, type HardwareAdapterOptions } from './hardware-adapter';

/** Link speed assumed when the OS reports none (virtual NICs often do not), in Mbit/s. */
export const DEFAULT_DECLARED_LINK_MBPS = 100;

export interface BandwidthAdapterOptions extends HardwareAdapterOptions {
  /** Link speed to assume when the OS reports none; default 100 Mbit/s. */
  readonly declaredLinkMbps?: number;
}

/**
 * Shared network bandwidth in bits/s: link speed (or the declared default) × percent. Leases reserve bits/s; the
 * sum of leases never exceeds the cap. Shaping the actual traffic to each lease's rate is the transport's job.
 */
export class BandwidthAdapter extends HardwareAdapter {
  readonly kind = 'bandwidth' as const;
  readonly unit = 'bits/s' as const;
  readonly #declaredMbps: number;

  constructor(options: BandwidthAdapterOptions) {
    super(options);
    const declared = options.declaredLinkMbps ?? DEFAULT_DECLARED_LINK_MBPS;
    if (!(declared > 0) || !Number.isFinite(declared)) throw new RangeError('declaredLinkMbps must be positive');
    this.#declaredMbps = declared;
  }

  protected detectFrom(hw: HardwareInfo): Detection {
    const reported = hw.network.linkMbps;
    const mbps = reported ?? this.#declaredMbps;
    return {
      present: true,
      total: Math.round(mbps * 1e6),
      unit: 'bits/s',
      descriptor: { resource: 'network-link' },
      summary:
        reported === null
          ? `${mbps} Mbit/s (declared: the OS reports no link speed)`
          : `${mbps} Mbit/s link (reported by the OS)`,
    };
  }
}
