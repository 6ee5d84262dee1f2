import { join } from 'node:path';
import type { HealthIssue, NodeApi, NodeEvents, NodeStatus } from '../shared/api/contract';
import type { HardwareInfo } from '../shared/hardware';
import { formatHostPort } from '../shared/network';
import { bandwidthCapBitsPerSec, isSharing } from '../shared/privacy';
import { DEFAULT_SETTINGS, applySettingsPatch, type Settings, type SettingsPatch } from '../shared/settings';
import { APP_VERSION } from '../shared/version';
import { DataDirLock, prepareDataDir } from './config/index';
import { NodeStoppedError } from './errors';
import { createStoqTransport, type Transport } from './transport/index';
import { TypedEvents } from './events';
import { createSystemHardwareProbe, type HardwareProbe } from './hardware/index';
import { loadOrCreateIdentity, type NodeIdentity } from './identity/index';
import { LogBook, type Logger } from './logging/index';
import {
  closeDatabase,
  type Db,
  DailyBackups,
  openCheckedDatabase,
  MetaRepository,
  PeerRepository,
  SettingsRepository,
} from './store/index';
import {
  CaService,
  loadOrCreateCa,
  OPEN_TRUST_METHODS,
  remoteCosigner,
  TrustClient,
  TrustStateRepository,
  TrustChainVerifier,
  trustApi,
} from './trust/index';
import { AssetRegistry, type MemoryAdapter, DEFAULT_DECLARED_LINK_MBPS, assetIdOf } from './assets/index';
import { Mesh, meshApi } from './mesh/index';
import { sharedConsensusCompute } from './consensus';
import { createPqWorkerPool, type PqSigner } from './crypto';
import { Ledger, walletApi } from './ledger/index';
import { ProxyService, memoryApi, requireProxy } from './proxy/index';
import {
  createGpuExecutor,
  type GpuExecutor,
  VmService,
  createThrottledSandbox,
  type CpuThrottle,
  type JobExecutor,
  jobsApi,
} from './vm/index';
import { NodeSharing } from './governor/index';
import { activityApi } from './activity/index';
import { type Benchmark, benchmarkApi, nodeBenchmark } from './benchmark/index';
import { NoticeWatcher } from './notices';
import type { HyperMeshNode, NodeConfig, NodeOverrides } from './node-config';
import { resolveTiming, type ResolvedTiming } from './node-config';
import { nodeOwnApi } from './node-api';
import { gpuSlotsFor, peerServiceBase, vmAssetsOf, vmLedgerOf } from './node-views';
import {
  HARDWARE_MAX_AGE_MS,
  cachedReading,
  effectiveShares,
  governedSettings,
  settingsRecoveredIssue,
  splitViewIssue,
  addIssueOnce,
} from './node-state';
export type { HyperMeshNode, NodeConfig, NodeOverrides, NodeTiming } from './node-config';

class Node implements HyperMeshNode {
  readonly events = new TypedEvents<NodeEvents>();
  readonly log: Logger;
  readonly api: NodeApi;
  private readonly logBook: LogBook;
  private readonly hardware: HardwareProbe;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private lock?: DataDirLock;
  private db?: Db;
  private settingsRepo?: SettingsRepository;
  private settings?: Settings;
  private _identity?: NodeIdentity;
  private startedAt = new Date();
  private backups: DailyBackups | undefined;
  private readonly health: HealthIssue[] = [];
  private readonly hardwareInfo: () => Promise<HardwareInfo>;
  private unsubscribeLog?: () => void;
  private notices: NoticeWatcher | undefined;
  transport: Transport | undefined;
  trust: TrustClient | undefined;
  authority: CaService | undefined;
  assets: AssetRegistry | undefined;
  mesh: Mesh | undefined;
  ledger: Ledger | undefined;
  proxy: ProxyService | undefined;
  vm: VmService | undefined;
  private pqSigner: PqSigner | undefined;
  private readonly jobExecutor: JobExecutor | undefined;
  private cpuThrottle: CpuThrottle | undefined;
  private gpuExecutor: GpuExecutor | undefined;
  sharing: NodeSharing | undefined;
  private readonly benchmark: Benchmark;
  private readonly timing: ResolvedTiming;

  constructor(
    private readonly config: NodeConfig,
    private readonly overrides: NodeOverrides,
  ) {
    this.jobExecutor = overrides.jobExecutor;
    this.timing = resolveTiming(config.timing);
    this.logBook =
      overrides.logBook ??
      new LogBook({ file: join(config.dataDir, 'logs', 'node.log'), echo: config.logToStderr ?? false });
    this.log = this.logBook.logger('node');
    this.hardware = overrides.hardware ?? createSystemHardwareProbe();
    const hardware = this.hardware;
    this.hardwareInfo = cachedReading(() => hardware.read(config.dataDir), HARDWARE_MAX_AGE_MS);
    const ensureRunning = () => this.ensureRunning();
    this.benchmark = nodeBenchmark(config.dataDir, this.events, () => this.currentSettings(), this.hardwareInfo);
    this.api = {
      ...nodeOwnApi({
        ensureRunning,
        status: () => this.status(),
        settings: () => this.currentSettings(),
        updateSettings: (patch) => this.updateSettings(patch),
        readHardware: () => this.readHardware(),
        hardware: this.hardware,
        logBook: this.logBook,
        sharing: () => this.sharing,
        requireSharing: () => this.requireSharing(),
        transport: () => this.transport,
        assets: () => this.assets,
      }),
      // Each subsystem answers its own calls (its folder's api.ts); the node only says whether it runs.
      ...trustApi({
        ensureRunning,
        get: () => this.trust,
        authority: () => this.authority,
        transport: () => this.transport,
        caAddress: () => this.currentSettings().trust.caAddress,
      }),
      ...meshApi({ ensureRunning, get: () => this.mesh }),
      ...walletApi({ ensureRunning, get: () => this.ledger }),
      ...memoryApi({ ensureRunning, get: () => this.proxy }),
      ...jobsApi({ ensureRunning, get: () => this.vm }),
      ...activityApi({ ensureRunning, get: () => this }),
      ...benchmarkApi({ ensureRunning, get: () => this.benchmark }),
    };
  }

  get dataDir(): string {
    return this.config.dataDir;
  }

  get identity(): NodeIdentity {
    if (!this._identity) throw new NodeStoppedError();
    return this._identity;
  }

  private starting: Promise<void> | undefined;

  start(): Promise<void> {
    if (this.state !== 'new' || this.starting) throw new Error(`a node can be started once; it is ${this.state}`);
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    prepareDataDir(this.config.dataDir);
    this.lock = DataDirLock.acquire(this.config.dataDir);
    try {
      const dbFile = join(this.config.dataDir, 'hypermesh.db');
      this._identity = loadOrCreateIdentity(this.config.dataDir, this.log.child('identity'), dbFile);
      // Damaged, empty or missing where a database was: refuse (with how to restore), never start empty.
      this.db = await openCheckedDatabase(this.config.dataDir);
      this.backups = new DailyBackups(this.db, this.config.dataDir, this.log.child('store'));
      await this.backups.start();
      const meta = new MetaRepository(this.db);
      this.db.transaction(() => {
        if (!meta.get('created_at')) meta.set('created_at', new Date().toISOString());
        meta.set('last_started_version', APP_VERSION);
      })();
      this.settingsRepo = new SettingsRepository(this.db);
      const loaded = this.settingsRepo.load();
      this.settings = loaded.settings;
      if (loaded.kind === 'recovered') {
        const issue = settingsRecoveredIssue(loaded.reason);
        this.health.push(issue);
        this.log.warn(issue.message);
      }
      this.unsubscribeLog = this.logBook.subscribe((entry) => this.events.emit('log', entry));
      const [settings, trustState] = [() => this.currentSettingsAtStart(), () => this.trust?.status().state];
      this.notices = new NoticeWatcher({ events: this.events, settings, meta, trustState });
      for (const [, start] of this.startOrder()) await start();
      this.startedAt = new Date();
      this.state = 'running';
      this.sharing?.start();
      this.log.info(`node ${this._identity.nodeIdShort} started (version ${APP_VERSION}, data ${this.dataDir})`);
    } catch (err) {
      this.release();
      this.state = 'stopped';
      throw err;
    }
  }

  async stop(): Promise<void> {
    // A stop while starting (quitting the app during boot) waits for the start to finish, then undoes it.
    if (this.starting) await this.starting.catch(() => undefined);
    if (this.state === 'stopped') return;
    if (this.state === 'running') this.log.info('node stopping');
    this.state = 'stopped';
    const transport = this.transport;
    this.transport = undefined;
    this.sharing?.stop();
    try {
      for (const [, stop] of this.stopOrder(transport)) await stop();
    } finally {
      this.release();
    }
  }

  /**
   * The subsystems in start order, each built from the ones before it (docs/architecture.md, "Start and stop
   * order"). Those that need the peer transport skip themselves without it.
   */
  private startOrder(): readonly (readonly [name: string, start: () => unknown])[] {
    const listen = this.config.listen;
    return [
      ['sharing governor', () => this.createSharing()],
      ['transport and TrustChain', () => listen && this.startTransport(listen, this.currentSettingsAtStart())],
      ['assets', () => this.startAssets()],
      ['mesh', () => this.startMesh()],
      ['ledger', () => this.startLedger()],
      ['memory proxy', () => this.startProxy()],
      ['Catalog VM', () => this.startVm()],
    ];
  }

  /** Stop order: each part before the parts it uses (the governor stops first, outside this list). */
  private stopOrder(transport: Transport | undefined): readonly (readonly [name: string, stop: () => unknown])[] {
    return [
      ['benchmark', () => this.benchmark.cancel()],
      ['CPU throttle', () => this.cpuThrottle?.stop()],
      ['Catalog VM', () => this.vm?.stop()],
      ['ledger', () => this.ledger?.stop()],
      ['mesh', () => this.mesh?.stop()],
      ['assets', () => this.assets?.stop()],
      ['CA head refresh', () => this.authority?.stopHeadRefresh()],
      ['TrustChain', () => this.trust?.stop()],
      ['post-quantum signer pool', () => this.pqSigner?.close()],
      ['transport', () => transport?.stop()],
      ['backups', () => this.backups?.stop()],
    ];
  }

  /** The settings loaded at start (the node is not running yet, so currentSettings() would refuse). */
  private currentSettingsAtStart(): Settings {
    return this.settings ?? DEFAULT_SETTINGS;
  }

  /** The sharing rules: a governor polls the sensors and tightens or loosens the allowance (docs/sharing-rules.md). */
  private createSharing(): void {
    const sharing = new NodeSharing({
      settings: () => this.settings ?? DEFAULT_SETTINGS,
      updateSettings: (patch) => this.updateSettings(patch),
      log: this.logBook.logger('sharing'),
      cores: () => this.assets?.adapter('cpu')?.describe().total || null,
      sensors: this.overrides.sensors,
      view: {
        adapter: (kind) => this.assets?.adapter(kind),
        sendBitsPerSec: () => this.transport?.sentBitsPerSec() ?? null,
        bandwidthCapBitsPerSec: () => this.transport?.bandwidthCapBitsPerSec() ?? null,
        peerCpu: this.overrides.peerCpuMeter ?? { coresInUse: () => this.cpuThrottle?.coresInUse() ?? null },
      },
    });
    sharing.subscribe(() => {
      this.cpuThrottle?.allowanceChanged();
      // GPU jobs stop (SIGSTOP, wall clock held) while the rules hold the GPU at 0, and continue after.
      if (this.gpuExecutor && this.gpuSlots() === 0) this.gpuExecutor.pause();
      else this.gpuExecutor?.resume();
      if (this.settings) this.applyNetworkSettings(this.settings, this.lastLinkMbps);
      this.assets?.applyAllowance(); // memory: the pool and new leases follow the rules; CPU/GPU the sliders
      if (this.state !== 'running') return;
      this.events.emit('sharing', sharing.view());
      this.events.emit('status', this.status());
    });
    this.sharing = sharing;
  }

  private requireSharing(): NodeSharing {
    this.ensureRunning();
    if (!this.sharing) throw new NodeStoppedError();
    return this.sharing;
  }

  private async startTransport(listen: { host: string; port: number }, settings: Settings): Promise<void> {
    const verifier = new TrustChainVerifier();
    const transport = createStoqTransport({
      verifier,
      host: listen.host,
      port: listen.port,
      identity: this.identity,
      log: this.logBook.logger('stoq'),
      pinnedTier: settings.network.tier === 'auto' ? null : settings.network.tier,
      bandwidthCapBitsPerSec: bandwidthCapBitsPerSec(this.governed(settings), null),
      dualStack: settings.network.ipv4,
      ...(this.db ? { addressBook: new PeerRepository(this.db) } : {}),
    });
    try {
      await transport.start();
    } catch (err) {
      if (this.config.transportRequired !== false) throw err;
      const message = `Peers cannot reach this node: ${(err as Error).message}`;
      this.health.push({ code: 'TRANSPORT_UNAVAILABLE', severity: 'warning', message });
      this.log.warn(message);
      return;
    }
    this.transport = transport;
    // Peers without a TrustChain certificate may only reach what they need to get one (and the path probes).
    transport.router.guard = (method, peer) => {
      if (peer.kind === 'trustchain' || OPEN_TRUST_METHODS.has(method) || method.startsWith('stoq.')) return null;
      if (this.settings?.trust.acceptSelfSignedPeers) return null;
      return `${method} needs a TrustChain certificate; this peer presented ${peer.kind ?? 'self-signed'} credentials`;
    };
    await this.startTrust(transport, verifier);
    // The link speed, for the bandwidth share, comes with the first hardware reading.
    this.hardwareInfo().then(
      (hw) => {
        // Where the OS reports no link speed, the share is of the speed the bandwidth asset declares (100 Mbit/s).
        if (this.settings) this.applyNetworkSettings(this.settings, hw.network.linkMbps ?? DEFAULT_DECLARED_LINK_MBPS);
      },
      () => undefined,
    );
  }

  private async startTrust(transport: Transport, verifier: TrustChainVerifier): Promise<void> {
    if (!this.db) return;
    const db = this.db;
    const log = this.logBook.logger('trust');
    if (this.config.authority) {
      const ca = await loadOrCreateCa(join(this.dataDir, 'trust'), this.config.authority.name, log);
      this.pqSigner = createPqWorkerPool();
      this.authority = new CaService({
        db,
        ca,
        signer: this.pqSigner,
        log: log.child('ca'),
        nodeId: this.identity.nodeId,
        address: this.config.authority.advertise ?? formatHostPort(transport.address),
        requestCosignatures: remoteCosigner(transport),
        isDistrusted: (caId) => verifier.distrusted.has(caId),
        ...(this.config.authority.limits ? { limits: this.config.authority.limits } : {}),
        ...(this.config.authority.certificateValidityMs === undefined
          ? {}
          : { validityMs: this.config.authority.certificateValidityMs }),
      });
      await this.authority.init();
      this.authority.startHeadRefresh();
      this.authority.serve(transport.router);
    }
    this.trust = new TrustClient({
      identity: this.identity,
      state: new TrustStateRepository(db),
      log,
      certDir: join(this.dataDir, 'certs'),
      transport,
      verifier,
      settings: () => ({
        trust: (this.settings ?? DEFAULT_SETTINGS).trust,
        ipv4: (this.settings ?? DEFAULT_SETTINGS).network.ipv4,
      }),
      ...(this.authority ? { authority: this.authority } : {}),
      refreshMs: this.timing.trust.refreshMs,
      onSplitView: (err) => {
        const added = addIssueOnce(this.health, splitViewIssue(err));
        if (added && this.state === 'running') this.events.emit('status', this.status());
      },
    });
    // A CA node certifies itself before it serves anyone; others certify in the background.
    if (this.authority) await this.trust.refresh();
    this.trust.start();
  }

  /** The asset adapters (caps enforced) and their registrations; announced over STOQ when the node listens. */
  private async startAssets(): Promise<void> {
    if (!this.db) return;
    const registry = new AssetRegistry({
      db: this.db,
      dataDir: this.dataDir,
      identity: this.identity,
      // The node's own cached reading: the machine is read once for the dashboard and the adapters alike.
      probe: { read: () => this.hardwareInfo(), usage: () => this.hardware.usage() },
      log: this.logBook.logger('assets'),
      settings: () => this.settings ?? DEFAULT_SETTINGS,
      trust: this.trust,
      location: () => (this.transport ? formatHostPort(this.transport.address) : ''),
      compute: sharedConsensusCompute(),
      onChange: () => this.mesh?.assetsChanged(),
      allowance: () => this.sharing?.current().resources,
      ...(this.gpuJobs() ? { webgpu: () => (this.gpuJobs() as GpuExecutor).probe() } : {}),
    });
    // Reading the hardware takes a moment: the node is up meanwhile, and the Assets page says it is reading.
    registry.ready.catch((err: unknown) => this.log.warn(`assets: ${(err as Error).message}`));
    if (this.transport) registry.serve(this.transport.router);
    this.assets = registry;
  }

  /** The mesh runs on the peer transport; a failure to start it is a health warning, not a failed start. */
  private async startMesh(): Promise<void> {
    if (!this.db || !this.transport) return;
    const mesh = new Mesh({
      identity: this.identity,
      stoq: this.transport,
      db: this.db,
      log: this.logBook.logger('mesh'),
      settings: () => this.settings ?? DEFAULT_SETTINGS,
      trust: this.trust,
      assets: this.assets,
      maintenanceIntervalMs: this.timing.mesh.intervalMs,
      announceIntervalMs: this.timing.mesh.announceIntervalMs,
    });
    this.mesh = mesh;
    try {
      await mesh.start();
    } catch (err) {
      const message = `The mesh could not start: ${(err as Error).message}`;
      this.health.push({ code: 'MESH_UNAVAILABLE', severity: 'warning', message });
      this.log.warn(message);
    }
  }

  /** The Caesar ledger runs on the peer transport and TrustChain (its blocks carry certified proofs). */
  private startLedger(): void {
    if (!this.db || !this.transport || !this.trust) return;
    const db = this.db;
    const ledger = new Ledger({
      db,
      identity: this.identity,
      stoq: this.transport,
      trust: this.trust,
      log: this.logBook.logger('ledger'),
      settings: () => this.settings ?? DEFAULT_SETTINGS,
      createGenesis: this.authority !== undefined,
      compute: sharedConsensusCompute(),
      onChange: (wallet) => {
        if (this.state === 'running') this.events.emit('wallet', wallet);
      },
      ...(this.assets ? { records: this.assets } : {}),
      knowsNode: (nodeId) => db.prepare('SELECT 1 FROM peers WHERE node_id = ?').get(nodeId) !== undefined,
      ...this.timing.ledger,
    });
    this.ledger = ledger;
    this.assets?.useLedger(ledger);
    ledger.start();
  }

  /** The memory proxy: serves mappings over this node's memory asset, and owns remote pools at peers. */
  private startProxy(): void {
    if (!this.db || !this.transport) return;
    const memory = () => this.assets?.adapter('memory') as MemoryAdapter | undefined;
    const proxy = new ProxyService({
      ...peerServiceBase(this.db, this.transport, this.identity, this.logBook.logger('proxy')),
      settings: () => this.settings ?? DEFAULT_SETTINGS,
      memory,
      memoryAssetId: () => {
        const adapter = memory();
        return adapter ? (assetIdOf(adapter, this.identity.nodeId) ?? undefined) : undefined;
      },
      ...(this.mesh ? { mesh: this.mesh } : {}),
      stakeOf: (nodeId) => this.ledger?.ledgerState?.stakeRecord(nodeId)?.amount,
    });
    proxy.start();
    this.proxy = proxy;
  }

  /** The Catalog VM: runs peers' jobs in the sandbox under their leases, and this node's jobs on peers. */
  private startVm(): void {
    if (!this.db || !this.transport || !this.assets) return;
    const assets = this.assets;
    const gpu = this.gpuJobs();
    const vm = new VmService({
      ...peerServiceBase(this.db, this.transport, this.identity, this.logBook.logger('vm')),
      executor: this.jobExecutor ?? this.createJobPool(),
      ...(gpu ? { gpu: { executor: gpu, slots: () => this.gpuSlots() } } : {}),
      assets: vmAssetsOf(assets, () => this.identity.nodeId),
      ...(this.mesh ? { mesh: this.mesh } : {}),
      ledger: () => vmLedgerOf(this.ledger),
      onJobFinished: (job) => this.notices?.jobFinished(job),
      readPool: async (address, offset, length) =>
        requireProxy({ ensureRunning: () => this.ensureRunning(), get: () => this.proxy })
          .pool(address)
          .read(offset, length),
    });
    vm.start();
    this.vm = vm;
  }

  /** The GPU job executor when config.gpuJobs is on (made once); undefined when off. */
  private gpuJobs(): GpuExecutor | undefined {
    const mode = this.config.gpuJobs ?? 'off';
    if (mode === 'off') return undefined;
    const runtime = this.config.gpuRuntime === undefined ? {} : { nodeRuntime: this.config.gpuRuntime };
    this.gpuExecutor ??=
      this.overrides.gpuExecutor ?? createGpuExecutor({ testMode: mode === 'test', maxConcurrent: 2, ...runtime });
    return this.gpuExecutor;
  }

  private gpuSlots = (): number => gpuSlotsFor(this.sharing?.current().resources.gpu.percent ?? 0);

  /** Peers' jobs: child processes at the lowest priority, held to the CPU the sharing rules allow now. */
  private createJobPool(): JobExecutor {
    const { sandbox, throttle } = createThrottledSandbox({
      log: this.logBook.logger('vm'),
      allowedCores: () => this.sharing?.allowedCores() ?? null,
      owner: this.config.dataDir,
    });
    this.cpuThrottle = throttle;
    return sandbox;
  }

  private lastLinkMbps: number | null = null;

  private applyNetworkSettings(settings: Settings, linkMbps: number | null): void {
    this.lastLinkMbps = linkMbps;
    if (!this.transport) return;
    this.transport.pinTier(settings.network.tier === 'auto' ? null : settings.network.tier);
    this.transport.setBandwidthCap(bandwidthCapBitsPerSec(this.governed(settings), linkMbps));
  }

  /** Settings with the bandwidth share the sharing rules allow now (node-state.ts). */
  private governed = (settings: Settings): Settings =>
    governedSettings(settings, this.sharing?.current().resources.bandwidth.percent);

  private release(): void {
    void this.backups?.stop(); // clears its timer now; stop() already awaited a backup under way
    this.unsubscribeLog?.();
    this.notices?.stop();
    if (this.db) closeDatabase(this.db);
    this.lock?.release();
  }

  private ensureRunning(): void {
    if (this.state !== 'running') throw new NodeStoppedError();
  }

  private currentSettings(): Settings {
    this.ensureRunning();
    return this.settings as Settings;
  }

  private updateSettings(patch: SettingsPatch): Settings {
    const previous = this.currentSettings();
    const next = applySettingsPatch(previous, patch);
    this.settingsRepo?.save(next);
    this.settings = next;
    this.applyNetworkSettings(next, this.lastLinkMbps);
    this.assets?.applySettings(next);
    this.sharing?.settingsChanged();
    if (JSON.stringify(next.mesh) !== JSON.stringify(previous.mesh)) {
      void this.mesh?.restart().catch((err: unknown) => this.log.warn(`mesh restart: ${(err as Error).message}`));
    }
    if (next.trust.caAddress !== previous.trust.caAddress || next.trust.caRootSha256 !== previous.trust.caRootSha256) {
      this.trust?.restartBootstrap();
    }
    const recovered = this.health.findIndex((h) => h.code === 'SETTINGS_RECOVERED');
    if (recovered >= 0) this.health.splice(recovered, 1);
    this.log.info(`settings changed: ${JSON.stringify(patch)}`);
    this.events.emit('settingsChanged', next);
    this.events.emit('status', this.status());
    return next;
  }

  private status(): NodeStatus {
    const settings = this.currentSettings();
    const identity = this.identity;
    return {
      nodeId: identity.nodeId,
      nodeIdShort: identity.nodeIdShort,
      version: APP_VERSION,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: Math.floor((Date.now() - this.startedAt.getTime()) / 1000),
      dataDir: this.dataDir,
      sharing: settings.privacyLevel === 'Private' ? 'off' : isSharing(settings) ? 'active' : 'paused',
      ...this.allowance(settings),
      health: [...this.health],
    };
  }

  private allowance(settings: Settings): Pick<NodeStatus, 'effectiveAllocation' | 'allowance'> {
    const sharing = this.sharing as NodeSharing; // created before the node runs
    return { effectiveAllocation: effectiveShares(settings, sharing.current()), allowance: sharing.view() };
  }

  private readHardware(): Promise<HardwareInfo> {
    this.ensureRunning();
    return this.hardwareInfo();
  }
}

export function createNode(config: NodeConfig, overrides: NodeOverrides = {}): HyperMeshNode {
  return new Node(config, overrides);
}
