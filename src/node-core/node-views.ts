import { assetIdOf, type AssetRegistry } from './assets/index';
import type { NodeIdentity } from './identity/index';
import type { Ledger } from './ledger/index';
import type { Logger } from './logging/index';
import type { Db } from './store/index';
import type { Transport } from './transport/index';
import type { VmAssets, VmLedger } from './vm/index';

// What node.ts hands the subsystems it wires: the Catalog VM's views of the others (small named interfaces from
// vm/vm-common.ts, so the VM never holds the registry or the ledger itself), and the base the proxy and VM share.

/** The assets as the VM sees them: its adapters, their asset ids under this node, and the proofs. */
export function vmAssetsOf(assets: AssetRegistry, nodeId: () => string): VmAssets {
  return {
    adapter: (kind) => assets.adapter(kind),
    assetIdOf: (kind) => {
      const adapter = assets.adapter(kind);
      return adapter ? (assetIdOf(adapter, nodeId()) ?? undefined) : undefined;
    },
    proveSubject: (subject) => assets.proveSubject(subject),
    verifySubject: (proof, subject, beacon) => assets.verifySubject(proof, subject, beacon),
    beaconJson: () => assets.beaconJson(),
  };
}

/** The ledger as the VM sees it, while there is one: usage to bill, and the privacy level an asset registered. */
export function vmLedgerOf(ledger: Ledger | undefined): VmLedger | undefined {
  if (!ledger) return undefined;
  return {
    queueUsage: (usage) => ledger.queueUsage(usage),
    privacyOf: (assetId) => ledger.ledgerState?.registrations.get(assetId)?.privacyLevel,
  };
}

/** GPU jobs at once for a GPU share in percent: 1 up to 50 %, 2 above; 0 while the rules pause GPU work. */
export function gpuSlotsFor(percent: number): number {
  return percent <= 0 ? 0 : Math.min(2, Math.ceil(percent / 50));
}

export interface PeerServiceBase {
  readonly db: Db;
  readonly nodeId: string;
  deriveSecret(label: string): Uint8Array;
  readonly stoq: Transport;
  readonly log: Logger;
}

/** What the proxy and the VM both take: the database, this node's keys, the peer transport and a log. */
export function peerServiceBase(db: Db, stoq: Transport, identity: NodeIdentity, log: Logger): PeerServiceBase {
  return {
    db,
    nodeId: identity.nodeId,
    deriveSecret: (label: string) => identity.deriveSecret(label),
    stoq,
    log,
  };
}
