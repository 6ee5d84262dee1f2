import type { HardwareInfo } from './hardware';
import { RESOURCE_KINDS, type AllocationType, type PrivacyLevel, type ResourceKind, type Settings } from './settings';

/** Plain-language explanations shown next to the privacy slider; ordered from most to least private. */
export const PRIVACY_LEVEL_INFO: Readonly<Record<PrivacyLevel, { title: string; summary: string }>> = {
  Private: {
    title: 'Private',
    summary: 'Nothing leaves this computer. No resource is shared and nothing is announced, whatever the sliders say.',
  },
  PrivateNetwork: {
    title: 'Private network',
    summary: 'Shared only with the groups you list, such as your home or office machines.',
  },
  P2P: {
    title: 'Trusted peers',
    summary: 'Shared only with peers you have approved one by one.',
  },
  PublicNetwork: {
    title: 'Public networks',
    summary: 'Shared with the public networks you join; members can find and use what you offer.',
  },
  FullPublic: {
    title: 'Fully public',
    summary: 'Offered to anyone on the HyperMesh. Earns the most Caesar.',
  },
};

export const ALLOCATION_TYPE_INFO: Readonly<Record<AllocationType, { title: string; summary: string }>> = {
  Private: { title: 'Private', summary: 'Only you and your own devices use what you allocate.' },
  Public: { title: 'Public', summary: 'Peers allowed by your privacy level may use it, and see that it is yours.' },
  Anonymous: { title: 'Anonymous', summary: 'Offered without your identity: peers see the resource, not who owns it.' },
  Verified: {
    title: 'Verified',
    summary: 'Served only to peers that present all four consensus proofs (space, stake, work, time).',
  },
};

/** Whether any resource may be shared at all under these settings. */
export function isSharing(settings: Settings): boolean {
  return !settings.sharingPaused && settings.privacyLevel !== 'Private';
}

/**
 * The share of each resource the node may actually offer: the user's percentages, or zero for everything when
 * sharing is paused or the privacy level is Private. The node never shares more than this.
 */
export function effectiveAllocation(settings: Settings): Record<ResourceKind, number> {
  const sharing = isSharing(settings);
  return Object.fromEntries(RESOURCE_KINDS.map((kind) => [kind, sharing ? settings.allocation[kind] : 0])) as Record<
    ResourceKind,
    number
  >;
}

export interface Capacity {
  /** Amount in the resource's unit: cores, bytes, Mbit/s, or GPUs. */
  readonly amount: number;
  readonly unit: 'cores' | 'bytes' | 'Mbit/s' | 'GPUs';
  /** What a person reads, e.g. "4 cores" or "12 GiB". */
  readonly label: string;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * GIB) return `${trim(bytes / (1024 * GIB))} TiB`;
  if (bytes >= GIB) return `${trim(bytes / GIB)} GiB`;
  if (bytes >= MIB) return `${trim(bytes / MIB)} MiB`;
  if (bytes >= 1024) return `${trim(bytes / 1024)} KiB`;
  return `${Math.round(bytes)} B`;
}

function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1).replace(/\.0$/, '') : n.toFixed(2).replace(/\.?0+$/, '');
}

function plural(n: number, one: string, many: string): string {
  return `${trim(n)} ${n === 1 ? one : many}`;
}

/**
 * The real capacity a percentage of one resource stands for on this machine, e.g. 50 % of 8 cores = "4 cores".
 * Returns null where the machine has none of it or the OS does not report its size.
 */
export function allocatedCapacity(kind: ResourceKind, percent: number, hw: HardwareInfo): Capacity | null {
  const share = Math.min(100, Math.max(0, percent)) / 100;
  switch (kind) {
    case 'cpu': {
      const cores = hw.cpu.logicalCores * share;
      return { amount: cores, unit: 'cores', label: plural(cores, 'core', 'cores') };
    }
    case 'memory': {
      const bytes = Math.floor(hw.memory.totalBytes * share);
      return { amount: bytes, unit: 'bytes', label: formatBytes(bytes) };
    }
    case 'storage': {
      // Shared storage comes out of free space, never out of what the user already keeps on disk.
      const bytes = Math.floor(hw.storage.freeBytes * share);
      return { amount: bytes, unit: 'bytes', label: `${formatBytes(bytes)} of free space` };
    }
    case 'gpu': {
      if (hw.gpus.length === 0) return null;
      const gpus = hw.gpus.length * share;
      return { amount: gpus, unit: 'GPUs', label: plural(gpus, 'GPU', 'GPUs') };
    }
    case 'bandwidth': {
      if (hw.network.linkMbps === null) return null;
      const mbps = hw.network.linkMbps * share;
      return { amount: mbps, unit: 'Mbit/s', label: `${trim(mbps)} Mbit/s` };
    }
  }
}

/**
 * The cap on outgoing peer traffic, in bits per second, or null for none: the user's explicit cap, and while the
 * node shares, the bandwidth allocation of the link speed (where the OS reports one).
 */
export function bandwidthCapBitsPerSec(settings: Settings, linkMbps: number | null): number | null {
  const caps: number[] = [];
  if (settings.network.bandwidthCapMbps !== null) caps.push(settings.network.bandwidthCapMbps * 1e6);
  if (isSharing(settings) && linkMbps !== null && settings.allocation.bandwidth < 100) {
    caps.push(Math.max(1e6, (linkMbps * settings.allocation.bandwidth * 1e6) / 100));
  }
  return caps.length === 0 ? null : Math.min(...caps);
}
