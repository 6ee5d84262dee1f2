import { join } from 'node:path';
import type { HealthIssue, NodeApi, NodeEvents, NodeStatus } from '../shared/api/contract';
import type { HardwareInfo } from '../shared/hardware';
import { isSharing } from '../shared/privacy';
import { DEFAULT_SETTINGS, applySettingsPatch, type Settings, type SettingsPatch } from '../shared/settings';
import { APP_VERSION } from '../shared/version';
import { DataDirLock, prepareDataDir } from './config/index';
import { NodeStoppedError } from './errors';
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
  SettingsRepository,
} from './store/index';
import { trustApi } from './trust/index';
import { meshApi } from './mesh/index';
import { walletApi } from './ledger/index';
import { memoryApi } from './proxy/index';
import { jobsApi } from './vm/index';
import type { NodeSharing } from './governor/index';
import { activityApi } from './activity/index';
import { type Benchmark, benchmarkApi, nodeBenchmark } from './benchmark/index';
import { NoticeWatcher } from './notices';
import type { HyperMeshNode, NodeConfig, NodeOverrides } from './node-config';
import { resolveTiming, type ResolvedTiming } from './node-config';
import { nodeOwnApi } from './node-api';
import { type NodeComponents, type NodeContext, showParts, startComponents, stopComponents } from './node-components';
import { settingsChanged } from './node-components-sharing';
import { HARDWARE_MAX_AGE_MS, cachedReading, effectiveShares, settingsRecoveredIssue } from './node-state';
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
  /** The subsystems, as their components start them (node-components.ts). */
  private readonly components: NodeComponents = {};
  // Getters onto the components (showParts), undefined while a part is off; the transport only until it stops.
  declare readonly transport: NodeComponents['transport'];
  declare readonly trust: NodeComponents['trust'];
  declare readonly authority: NodeComponents['authority'];
  declare readonly assets: NodeComponents['assets'];
  declare readonly mesh: NodeComponents['mesh'];
  declare readonly ledger: NodeComponents['ledger'];
  declare readonly proxy: NodeComponents['proxy'];
  declare readonly vm: NodeComponents['vm'];
  declare readonly sharing: NodeComponents['sharing'];
  private readonly benchmark: Benchmark;
  private readonly timing: ResolvedTiming;

  constructor(
    private readonly config: NodeConfig,
    private readonly overrides: NodeOverrides,
  ) {
    showParts(this, this.components);
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
      // The subsystems in start order (node-components.ts); a failure stops those begun, then fails the start.
      await startComponents(this.components, this.context(this._identity, this.db, this.notices));
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
    // The governor first (it drives the others), then the benchmark, then the subsystems in reverse start order.
    this.sharing?.stop();
    try {
      await this.benchmark.cancel();
      await stopComponents(this.components);
      await this.backups?.stop();
    } finally {
      this.release();
    }
  }

  /** What the components read of the node: its own parts, once the database is open. */
  private context(identity: NodeIdentity, db: Db, notices: NoticeWatcher): NodeContext {
    const { config, overrides, logBook, log, hardware, hardwareInfo, timing, events, health } = this;
    return {
      config,
      overrides,
      identity,
      db,
      logBook,
      log,
      hardware,
      hardwareInfo,
      timing,
      events,
      notices,
      health,
      warnHealth: (code, message) => {
        health.push({ code, severity: 'warning', message });
        log.warn(message);
      },
      settings: () => this.currentSettingsAtStart(),
      updateSettings: (patch) => this.updateSettings(patch),
      running: () => this.state === 'running',
      ensureRunning: () => this.ensureRunning(),
      status: () => this.status(),
    };
  }

  /** The settings loaded at start (the node is not running yet, so currentSettings() would refuse). */
  private currentSettingsAtStart(): Settings {
    return this.settings ?? DEFAULT_SETTINGS;
  }

  private requireSharing(): NodeSharing {
    this.ensureRunning();
    if (!this.sharing) throw new NodeStoppedError();
    return this.sharing;
  }

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
    settingsChanged(this.components, this.log, next, previous);
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
