import type { Connection } from '@libp2p/interface';
import type { Settings } from '../../shared/settings';
import type { AssetRegistry } from '../assets/index';
import type { NodeIdentity } from '../identity/index';
import type { Logger } from '../logging/index';
import type { Db } from '../store/index';
import type { HostPort, Transport as StoqTransport } from '../transport/index';
import type { PqVerifier, TrustClient } from '../trust/index';
import type { MeshLibp2p } from './libp2p-node';
import { PeerBook } from './peer-book';
import type { BoundPeer } from './stoq-libp2p';

export interface MeshOptions {
  readonly identity: NodeIdentity;
  readonly stoq: StoqTransport;
  readonly db: Db;
  readonly log: Logger;
  readonly settings: () => Settings;
  readonly trust: TrustClient | undefined;
  readonly assets: AssetRegistry | undefined;
  /** How often the node re-announces its assets (and at once when they change). Default 60 s. */
  readonly announceIntervalMs?: number;
  /** How long an announcement is valid. Default 5 min (at most MAX_ANNOUNCEMENT_TTL_MS). */
  readonly announcementTtlMs?: number;
  /** How often bootstrap, dialling of discovered peers and RTT measurement run. Default 5 s. */
  readonly maintenanceIntervalMs?: number;
  readonly now?: () => number;
  /** Where announcement signatures are checked: by default a process-wide pool of worker threads. */
  readonly signatures?: PqVerifier;
}

/**
 * What the mesh's parts (connectivity, announcements, sync, allocation) share: the options, the running libp2p node
 * (undefined while it is off), the peer book and which node each libp2p peer is.
 */
export class MeshContext {
  node: MeshLibp2p | undefined;
  readonly book: PeerBook;
  /** PeerId → NodeId, from STOQ bindings and accepted announcements. */
  readonly nodeOfPeer = new Map<string, string>();
  readonly now: () => number;

  constructor(readonly options: MeshOptions) {
    this.book = new PeerBook(options.db);
    this.now = options.now ?? Date.now;
  }
}

/** A peer to pull announcements from: a STOQ connection to it is open (or was just now). */
export type SyncPeer = Pick<BoundPeer, 'nodeId' | 'peerId' | 'address'>;

export function isRelayed(connection: Connection): boolean {
  return connection.remoteAddr.toString().includes('/p2p-circuit');
}

/** Polls `done` until it holds (true) or `ms` pass (false). */
export async function waitFor(done: () => boolean, ms: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

export function sameAddress(a: HostPort, b: HostPort): boolean {
  return a.host === b.host && a.port === b.port;
}

/** A signal that fires on `signal` or after `ms`, whichever comes first. */
export function bounded(ms: number, signal?: AbortSignal): AbortSignal {
  return signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
}
