import type { SharingView } from './sharing-view';

/** What this computer is using right now, all programs together (not only what peers use). */
export interface UsageSnapshot {
  readonly cpu: { readonly loadPercent: number; readonly perCorePercent: readonly number[] };
  readonly memory: { readonly usedBytes: number; readonly totalBytes: number };
  readonly measuredAt: string;
  /** What peers are allowed and use now, per resource (the node adds it; a bare hardware reading has none). */
  readonly sharing?: SharingView;
}

/** What the node measured of this machine. Sizes in bytes as numbers (safe up to 8 PiB). */
export interface HardwareInfo {
  readonly cpu: {
    readonly model: string;
    readonly logicalCores: number;
    readonly physicalCores: number;
    readonly speedGHz: number | null;
  };
  readonly memory: { readonly totalBytes: number };
  /** Empty when the machine has no GPU the node can see. */
  readonly gpus: readonly { readonly model: string; readonly vendor: string; readonly vramBytes: number | null }[];
  /** The filesystem holding the node's data directory: shared storage lives there. */
  readonly storage: { readonly mount: string; readonly totalBytes: number; readonly freeBytes: number };
  /** Fastest link speed the OS reports, or null where it reports none (virtual NICs often do not). */
  readonly network: { readonly linkMbps: number | null };
  readonly os: { readonly platform: string; readonly distro: string; readonly release: string; readonly arch: string };
  /** ISO time of the reading. */
  readonly measuredAt: string;
}
