import { join } from 'node:path';
import type { HealthIssue, LogQuery, NodeApi, NodeEvents, NodeStatus } from '../shared/api/contract';
import type { HardwareInfo } from '../shared/hardware';
import type { NetworkStats } from '../shared/network';
import { bandwidthCapBitsPerSec, effectiveAllocation, isSharing } from '../shared/privacy';
import { applySettingsPatch, type Settings, type SettingsPatch } from '../shared/settings';
import { APP_VERSION } from '../shared/version';
import { DataDirLock, prepareDataDir } from './config/data-dir';
import { NodeStoppedError } from './errors';
import { TypedEvents } from './events';
import { createSystemHardwareProbe, type HardwareProbe } from './hardware/hardware';
import { loadOrCreateIdentity, type NodeIdentity } from './identity/identity';
import { LogBook, type Logger } from './logging/log-book';
import { closeDatabase, openDatabase, type Db } from './store/database';
import { MetaRepository } from './store/meta-repository';
import { PeerRepository } from './store/peer-repository';
import { SettingsRepository } from './store/settings-repository';
import { createStoqTransport, type Transport } from './transport/stoq/transport';

export interface NodeConfig {
  readonly dataDir: string;
  /** Where STOQ listens for peers; none runs the node without a peer transport. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** If the transport cannot start: fail the node (CLI) or run on with a health warning (desktop app). */
  readonly transportRequired?: boolean;
  /** Echo log lines to stderr (the headless CLI does). */
  readonly logToStderr?: boolean;
}

/** Parts that tests (or the Electron shell) may replace; each has a real default. */
export interface NodeOverrides {
  readonly hardware?: HardwareProbe;
  readonly logBook?: LogBook;
}

export interface HyperMeshNode {
  readonly api: NodeApi;
  readonly events: TypedEvents<NodeEvents>;
  readonly dataDir: string;
  readonly log: Logger;
  /** Valid after start(). */
  readonly identity: NodeIdentity;
  /** The peer transport, when the node listens (config.listen). */
  readonly transport: Transport | undefined;
  start(): Promise<void>;
  /** Flushes the store, closes everything and releases the data directory; safe to call twice. */
  stop(): Promise<void>;
}

const HARDWARE_MAX_AGE_MS = 60_000;

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
  private readonly health: HealthIssue[] = [];
  private hardwareReading: { at: number; value: Promise<HardwareInfo> } | undefined;
  private unsubscribeLog?: () => void;
  transport: Transport | undefined;

  constructor(
    private readonly config: NodeConfig,
    overrides: NodeOverrides,
  ) {
    this.logBook =
      overrides.logBook ??
      new LogBook({ file: join(config.dataDir, 'logs', 'node.log'), echo: config.logToStderr ?? false });
    this.log = this.logBook.logger('node');
    this.hardware = overrides.hardware ?? createSystemHardwareProbe();
    this.api = {
      // async so that every failure, even a synchronous one, reaches the caller as a rejection
      getStatus: async () => this.status(),
      getSettings: async () => this.currentSettings(),
      updateSettings: async (patch) => this.updateSettings(patch),
      getHardware: async () => this.readHardware(),
      getUsage: async () => {
        this.ensureRunning();
        return this.hardware.usage();
      },
      getNetworkStats: async () => this.networkStats(),
      getLogs: async (query: LogQuery) => {
        this.ensureRunning();
        return this.logBook.query(query);
      },
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
      this._identity = loadOrCreateIdentity(this.config.dataDir, this.log.child('identity'));
      this.db = openDatabase(join(this.config.dataDir, 'hypermesh.db'));
      const meta = new MetaRepository(this.db);
      this.db.transaction(() => {
        if (!meta.get('created_at')) meta.set('created_at', new Date().toISOString());
        meta.set('last_started_version', APP_VERSION);
      })();
      this.settingsRepo = new SettingsRepository(this.db);
      const loaded = this.settingsRepo.load();
      this.settings = loaded.settings;
      if (loaded.kind === 'recovered') {
        const message =
          `Stored settings could not be read (${loaded.reason}). Nothing is shared until you save settings again; ` +
          'the unreadable copy was kept in the database.';
        this.health.push({ code: 'SETTINGS_RECOVERED', severity: 'warning', message });
        this.log.warn(message);
      }
      this.unsubscribeLog = this.logBook.subscribe((entry) => this.events.emit('log', entry));
      if (this.config.listen) await this.startTransport(this.config.listen, loaded.settings);
      this.startedAt = new Date();
      this.state = 'running';
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
    try {
      await transport?.stop();
    } finally {
      this.release();
    }
  }

  private async startTransport(listen: { host: string; port: number }, settings: Settings): Promise<void> {
    const transport = createStoqTransport({
      host: listen.host,
      port: listen.port,
      identity: this.identity,
      log: this.logBook.logger('stoq'),
      pinnedTier: settings.network.tier === 'auto' ? null : settings.network.tier,
      bandwidthCapBitsPerSec: bandwidthCapBitsPerSec(settings, null),
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
    // The link speed, for the bandwidth share, comes with the first hardware reading.
    this.hardwareInfo().then(
      (hw) => {
        if (this.settings) this.applyNetworkSettings(this.settings, hw.network.linkMbps);
      },
      () => undefined,
    );
  }

  private lastLinkMbps: number | null = null;

  private applyNetworkSettings(settings: Settings, linkMbps: number | null): void {
    this.lastLinkMbps = linkMbps;
    if (!this.transport) return;
    this.transport.pinTier(settings.network.tier === 'auto' ? null : settings.network.tier);
    this.transport.setBandwidthCap(bandwidthCapBitsPerSec(settings, linkMbps));
  }

  private networkStats(): NetworkStats {
    this.ensureRunning();
    if (this.transport) return this.transport.stats();
    return {
      listening: null,
      pinnedTier: null,
      bandwidthCapBitsPerSec: null,
      totals: {
        bytesSent: 0,
        bytesReceived: 0,
        sendBitsPerSec: 0,
        receiveBitsPerSec: 0,
        connections: 0,
        openStreams: 0,
      },
      connections: [],
      sampledAt: new Date().toISOString(),
    };
  }

  private release(): void {
    this.unsubscribeLog?.();
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
    const next = applySettingsPatch(this.currentSettings(), patch);
    this.settingsRepo?.save(next);
    this.settings = next;
    this.applyNetworkSettings(next, this.lastLinkMbps);
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
      effectiveAllocation: effectiveAllocation(settings),
      health: [...this.health],
    };
  }

  private readHardware(): Promise<HardwareInfo> {
    this.ensureRunning();
    return this.hardwareInfo();
  }

  private hardwareInfo(): Promise<HardwareInfo> {
    const now = Date.now();
    if (!this.hardwareReading || now - this.hardwareReading.at > HARDWARE_MAX_AGE_MS) {
      const value = this.hardware.read(this.dataDir);
      const reading = { at: now, value };
      this.hardwareReading = reading;
      value.catch(() => {
        if (this.hardwareReading === reading) this.hardwareReading = undefined; // do not cache a failed reading
      });
    }
    return this.hardwareReading.value;
  }
}

export function createNode(config: NodeConfig, overrides: NodeOverrides = {}): HyperMeshNode {
  return new Node(config, overrides);
}
