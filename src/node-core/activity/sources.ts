import type { ProxyStatusView } from '../../shared/proxy';
import type { RemoteAllocationView } from '../../shared/mesh';
import type { JobQuery, JobView } from '../../shared/vm';
import type { ReceiptTrailEntry, Reconciliation } from '../../shared/activity';
import type { AssetRecordEvent } from '../assets/index';
import type { LedgerLeaseRecord } from '../ledger/index';

/**
 * What the Activity part reads of the subsystems that own the data, each through its entry: the VM's jobs, the
 * mesh's leases held, the assets' live leases granted, the memory proxy's mappings and pools, the ledger's leases,
 * rewards and reconciliation.
 * Each is undefined while its subsystem is off (the node's fields).
 */
export interface ActivitySources {
  readonly vm: { jobs(query: JobQuery): readonly JobView[] } | undefined;
  readonly mesh: { leases(): readonly RemoteAllocationView[] } | undefined;
  readonly assets: { records(): readonly AssetRecordEvent[] } | undefined;
  readonly proxy: { status(): ProxyStatusView } | undefined;
  readonly ledger:
    | {
        rewardsOn(leaseIds: readonly string[]): ReceiptTrailEntry[];
        leaseRecords(): LedgerLeaseRecord[];
        reconciliation(): Reconciliation;
      }
    | undefined;
}
