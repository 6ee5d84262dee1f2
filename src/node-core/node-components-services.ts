import { formatHostPort } from '../shared/network';
import { AssetRegistry, type MemoryAdapter, assetIdOf } from './assets/index';
import { sharedConsensusCompute } from './consensus';
import { Ledger } from './ledger/index';
import { Mesh } from './mesh/index';
import type { NodeComponent, NodeComponents, NodeContext } from './node-components';
import { gpuSlots } from './node-components-sharing';
import { peerServiceBase, vmAssetsOf, vmLedgerOf } from './node-views';
import { ProxyService, requireProxy } from './proxy/index';
import { createGpuExecutor, createThrottledSandbox, type GpuExecutor, type JobExecutor, VmService } from './vm/index';

// The services on the node's resources and the peer transport: assets, mesh, ledger, memory proxy, Catalog VM.

/** The asset adapters (caps enforced) and their registrations; announced over STOQ when the node listens. */
export const assetsComponent: NodeComponent = {
  name: 'assets',
  start: (c, node) => {
    const gpu = gpuJobs(c, node);
    const registry = new AssetRegistry({
      db: node.db,
      dataDir: node.config.dataDir,
      identity: node.identity,
      // The node's own cached reading: the machine is read once for the dashboard and the adapters alike.
      probe: { read: () => node.hardwareInfo(), usage: () => node.hardware.usage() },
      log: node.logBook.logger('assets'),
      settings: () => node.settings(),
      trust: c.trust,
      location: () => (c.transport ? formatHostPort(c.transport.address) : ''),
      compute: sharedConsensusCompute(),
      // The mesh starts later: it announces the change once it runs.
      onChange: () => c.mesh?.assetsChanged(),
      allowance: () => c.sharing?.current().resources,
      ...(gpu ? { webgpu: () => gpu.probe() } : {}),
    });
    // Reading the hardware takes a moment: the node is up meanwhile, and the Assets page says it is reading.
    registry.ready.catch((err: unknown) => node.log.warn(`assets: ${(err as Error).message}`));
    if (c.transport) registry.serve(c.transport.router);
    c.assets = registry;
  },
  stop: (c) => c.assets?.stop(),
};

/** The mesh runs on the peer transport; a failure to start it is a health warning, not a failed start. */
export const meshComponent: NodeComponent = {
  name: 'mesh',
  start: async (c, node) => {
    if (!c.transport) return;
    const mesh = new Mesh({
      identity: node.identity,
      stoq: c.transport,
      db: node.db,
      log: node.logBook.logger('mesh'),
      settings: () => node.settings(),
      trust: c.trust,
      assets: c.assets,
      maintenanceIntervalMs: node.timing.mesh.intervalMs,
      announceIntervalMs: node.timing.mesh.announceIntervalMs,
    });
    c.mesh = mesh;
    try {
      await mesh.start();
    } catch (err) {
      node.warnHealth('MESH_UNAVAILABLE', `The mesh could not start: ${(err as Error).message}`);
    }
  },
  stop: (c) => c.mesh?.stop(),
};

/**
 * The Caesar ledger runs on the peer transport and TrustChain (its blocks carry certified proofs). The assets started
 * before it: it hands itself to them (AssetLedger: the stake records PoStake reads, and the records they make).
 */
export const ledgerComponent: NodeComponent = {
  name: 'ledger',
  start: (c, node) => {
    if (!c.transport || !c.trust) return;
    const db = node.db;
    const ledger = new Ledger({
      db,
      identity: node.identity,
      stoq: c.transport,
      trust: c.trust,
      log: node.logBook.logger('ledger'),
      settings: () => node.settings(),
      createGenesis: c.authority !== undefined,
      compute: sharedConsensusCompute(),
      onChange: (wallet) => {
        if (node.running()) node.events.emit('wallet', wallet);
      },
      ...(c.assets ? { records: c.assets } : {}),
      knowsNode: (nodeId) => db.prepare('SELECT 1 FROM peers WHERE node_id = ?').get(nodeId) !== undefined,
      ...node.timing.ledger,
    });
    c.ledger = ledger;
    c.assets?.useLedger(ledger);
    ledger.start();
  },
  stop: (c) => c.ledger?.stop(),
};

/**
 * The memory proxy: serves mappings over this node's memory asset, and owns remote pools at peers. Its stop writes the
 * traffic counters it holds in memory; its methods end with the transport.
 */
export const proxyComponent: NodeComponent = {
  name: 'memory proxy',
  start: (c, node) => {
    if (!c.transport) return;
    const memory = () => c.assets?.adapter('memory') as MemoryAdapter | undefined;
    const proxy = new ProxyService({
      ...peerServiceBase(node.db, c.transport, node.identity, node.logBook.logger('proxy')),
      settings: () => node.settings(),
      memory,
      memoryAssetId: () => {
        const adapter = memory();
        return adapter ? (assetIdOf(adapter, node.identity.nodeId) ?? undefined) : undefined;
      },
      ...(c.mesh ? { mesh: c.mesh } : {}),
      ...(c.ledger ? { stakes: c.ledger } : {}),
    });
    proxy.start();
    c.proxy = proxy;
  },
  stop: (c) => c.proxy?.stop(),
};

/** The Catalog VM: runs peers' jobs in the sandbox under their leases, and this node's jobs on peers. */
export const vmComponent: NodeComponent = {
  name: 'Catalog VM',
  start: (c, node) => {
    if (!c.transport || !c.assets) return;
    const gpu = gpuJobs(c, node);
    const ledger = vmLedgerOf(c.ledger);
    const vm = new VmService({
      ...peerServiceBase(node.db, c.transport, node.identity, node.logBook.logger('vm')),
      executor: node.overrides.jobExecutor ?? createJobPool(c, node),
      ...(gpu ? { gpu: { executor: gpu, slots: () => gpuSlots(c) } } : {}),
      assets: vmAssetsOf(c.assets, () => node.identity.nodeId),
      ...(c.mesh ? { mesh: c.mesh } : {}),
      ledger: () => ledger,
      onJobFinished: (job) => node.notices.jobFinished(job),
      readPool: async (address, offset, length) =>
        requireProxy({ ensureRunning: () => node.ensureRunning(), get: () => c.proxy })
          .pool(address)
          .read(offset, length),
    });
    vm.start();
    c.vm = vm;
  },
  // The throttle first: it lets every stopped job process run again, so that the VM can end them.
  stop: async (c) => {
    c.cpuThrottle?.stop();
    await c.vm?.stop();
  },
};

/** The GPU job executor when config.gpuJobs is on (made once, by the first part that asks); undefined when off. */
function gpuJobs(c: NodeComponents, node: NodeContext): GpuExecutor | undefined {
  const mode = node.config.gpuJobs ?? 'off';
  if (mode === 'off') return undefined;
  const runtime = node.config.gpuRuntime === undefined ? {} : { nodeRuntime: node.config.gpuRuntime };
  c.gpuExecutor ??=
    node.overrides.gpuExecutor ?? createGpuExecutor({ testMode: mode === 'test', maxConcurrent: 2, ...runtime });
  return c.gpuExecutor;
}

/** Peers' jobs: child processes at the lowest priority, held to the CPU the sharing rules allow now. */
function createJobPool(c: NodeComponents, node: NodeContext): JobExecutor {
  const { sandbox, throttle } = createThrottledSandbox({
    log: node.logBook.logger('vm'),
    allowedCores: () => c.sharing?.allowedCores() ?? null,
    owner: node.config.dataDir,
  });
  c.cpuThrottle = throttle;
  return sandbox;
}
