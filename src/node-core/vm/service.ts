import type { JobQuery, JobResultView, JobView, RunJobRequest } from '../../shared/vm';
import { VmConsumer } from './consumer';
import { VmProvider } from './provider';
import { kemKeys, VmMethod, type VmContext, type VmServiceOptions } from './vm-common';

export {
  VM_LEASE_MS,
  VM_MAX_OUTPUT_BYTES,
  VmMethod,
  resolveLimits,
  type VmAssets,
  type VmLedger,
  type VmMesh,
  type VmServiceOptions,
} from './vm-common';

/**
 * The Catalog VM (docs/vm.md).
 *
 * Provider side: `vm.run` runs a consumer's job under a CPU lease and a memory lease the consumer holds on this
 * node (one job per leased CPU slot at a time, memory within the memory lease, wall time within the lease), in the
 * sandbox, proves the execution with a four-part ConsensusProof whose subject commits to the code, input and output,
 * and returns the output sealed to the consumer.
 *
 * Consumer side: `runJob` leases CPU and memory at `redundancy` providers found through the mesh, sends them the
 * job, checks every proof and opens every output, and accepts the result a majority agrees on. Providers whose
 * result differs lose trust and are not paid; the others are paid for their CPU- and memory-time through usage
 * receipts on the ledger.
 */

export class VmService {
  private readonly now: () => number;
  private readonly provider: VmProvider;
  private readonly consumer: VmConsumer;

  constructor(private readonly options: VmServiceOptions) {
    this.now = options.now ?? Date.now;
    const ctx: VmContext = { options, now: this.now, kem: kemKeys(options.deriveSecret) };
    this.provider = new VmProvider(ctx);
    this.consumer = new VmConsumer(ctx);
  }

  start(): void {
    // Jobs that were running when the node last stopped did not finish.
    const stale = this.options.db
      .prepare("SELECT rowid, view FROM vm_jobs WHERE json_extract(view, '$.status') = 'running'")
      .all() as { rowid: number; view: string }[];
    for (const row of stale) {
      const view = JSON.parse(row.view) as JobView;
      const stopped: JobView = {
        ...view,
        status: 'failed',
        failure: { reason: 'error', message: 'this node stopped while the job ran' },
        finishedAt: new Date(this.now()).toISOString(),
      };
      this.options.db.prepare('UPDATE vm_jobs SET view = ? WHERE rowid = ?').run(JSON.stringify(stopped), row.rowid);
    }
    this.options.stoq.router.bulk(VmMethod.Run, async (meta, data, ctx) => this.provider.serveRun(meta, data, ctx));
  }

  async stop(): Promise<void> {
    await this.options.executor.close();
  }

  /** Runs a job on peers (docs/vm.md): see VmConsumer. */
  runJob(request: RunJobRequest, signal?: AbortSignal): Promise<JobResultView> {
    return this.consumer.runJob(request, signal);
  }

  jobs(query: JobQuery): JobView[] {
    const rows = this.options.db
      .prepare(
        `SELECT view FROM vm_jobs ${query.role ? 'WHERE role = ?' : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...(query.role ? [query.role] : []), query.limit ?? 100) as { view: string }[];
    return rows.map((r) => JSON.parse(r.view) as JobView);
  }
}
