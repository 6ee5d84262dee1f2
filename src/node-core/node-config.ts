import type { NodeApi, NodeEvents } from '../shared/api/contract';
import type { AssetRegistry } from './assets/index';
import type { TypedEvents } from './events';
import type { NodeSharingHooks, PeerCpuMeter, SensorSource } from './governor/index';
import type { HardwareProbe } from './hardware/index';
import type { NodeIdentity } from './identity/index';
import type { Ledger } from './ledger/index';
import type { LogBook, Logger } from './logging/index';
import type { Mesh } from './mesh/index';
import type { ProxyService } from './proxy/index';
import type { Transport } from './transport/index';
import type { CaLimits, CaService, TrustClient } from './trust/index';
import type { GpuExecutor, JobExecutor, VmService } from './vm/index';

// What a node is made with (its configuration and the parts tests may replace) and what it offers once made:
// the types of node.ts, kept apart so that the wiring file holds only the wiring.

export interface NodeConfig {
  readonly dataDir: string;
  /** Where STOQ listens for peers; none runs the node without a peer transport. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** If the transport cannot start: fail the node (CLI) or run on with a health warning (desktop app). */
  readonly transportRequired?: boolean;
  /** Echo log lines to stderr (the headless CLI does). */
  readonly logToStderr?: boolean;
  /** Run a TrustChain CA on this node (`hypermesh trust serve`); its keys live in DATA/trust/ca.json. */
  readonly authority?: {
    readonly name: string;
    /** The address peers dial this CA at, if not the listening address (e.g. behind a name). */
    readonly advertise?: string;
    /** Lifetime of the node certificates it issues; 24 h by default. */
    readonly certificateValidityMs?: number;
    /** Per-NodeId limits on issuance, co-signing and name calls (docs/trust.md, "Limits"); defaults otherwise. */
    readonly limits?: Partial<CaLimits>;
  };
  /** Timing, grouped per subsystem (tests and benchmarks shorten it); what is left out is TIMING_DEFAULTS'. */
  readonly timing?: NodeTiming;
  /**
   * GPU jobs (kind 'wgsl', docs/vm.md): 'off' (default) offers no GPU for jobs; 'on' offers one only where WebGPU
   * finds a hardware adapter; 'test' also allows software adapters such as SwiftShader (tests and CI only).
   */
  readonly gpuJobs?: 'off' | 'on' | 'test';
  /**
   * The plain Node runtime GPU job children run on (vm/gpu/executor.ts gpuRuntimeFor): the desktop app names the
   * one it ships, since Electron cannot load the webgpu package. Unset: this process's own runtime, outside Electron.
   */
  readonly gpuRuntime?: string;
}

/** Parts that tests (or the Electron shell) may replace; each has a real default. */
export interface NodeOverrides {
  readonly hardware?: HardwareProbe;
  readonly logBook?: LogBook;
  /** Runs the Catalog VM's jobs for peers; the real sandbox by default. */
  readonly jobExecutor?: JobExecutor;
  /** Runs GPU jobs for peers (with config.gpuJobs on); the real executor by default. */
  readonly gpuExecutor?: GpuExecutor;
  /** What the sharing rules read (battery, idle, CPU, processes, temperature); the real sensors by default. */
  readonly sensors?: SensorSource;
  /** The CPU peers' jobs use now (the job pool provides it); CPU use shows as not measured without it. */
  readonly peerCpuMeter?: PeerCpuMeter;
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
  /** TrustChain: the client every listening node has, and the CA when this node runs one. */
  readonly trust: TrustClient | undefined;
  readonly authority: CaService | undefined;
  /** This node's resources as assets (adapters with the user's caps, registrations with proofs). */
  readonly assets: AssetRegistry | undefined;
  /** The mesh (discovery, announcements), when the node listens. */
  readonly mesh: Mesh | undefined;
  /** The Caesar ledger and wallet, when the node listens. */
  readonly ledger: Ledger | undefined;
  /** The memory proxy (mappings provided, pools used), when the node listens. */
  readonly proxy: ProxyService | undefined;
  /** The Catalog VM (jobs run for peers, jobs run on peers), when the node listens. */
  readonly vm: VmService | undefined;
  /** The sharing rules' governor (feed powerMonitor readings, read the CPU allowance); valid after start(). */
  readonly sharing: NodeSharingHooks | undefined;
  start(): Promise<void>;
  /** Flushes the store, closes everything and releases the data directory; safe to call twice. */
  stop(): Promise<void>;
}

/** The node's timing settings, per subsystem; every field is optional (TIMING_DEFAULTS fills it in). */
export interface NodeTiming {
  readonly trust?: {
    /** How often TrustChain state (revocations, federation, tree heads) is refreshed. */
    readonly refreshMs?: number;
  };
  readonly mesh?: {
    /** How often the mesh maintains its connections. */
    readonly intervalMs?: number;
    /** How often the node re-announces unchanged assets; 6 × intervalMs when only that is given. */
    readonly announceIntervalMs?: number;
  };
  readonly ledger?: {
    /** The ledger's tick (sync, produce). */
    readonly tickMs?: number;
    /** Slot length of a genesis this node creates (CA nodes). */
    readonly slotMs?: number;
    /** How often a consumer signs usage receipts for its leases. */
    readonly receiptIntervalMs?: number;
  };
}

/** Every timing setting's default, in one place. */
export const TIMING_DEFAULTS = {
  trust: { refreshMs: 5 * 60_000 },
  mesh: { intervalMs: 5_000, announceIntervalMs: 60_000 },
  ledger: { tickMs: 1_000, slotMs: 2_000, receiptIntervalMs: 60_000 },
} as const;

export type ResolvedTiming = {
  readonly [S in keyof typeof TIMING_DEFAULTS]: Record<keyof (typeof TIMING_DEFAULTS)[S], number>;
};

/** The timing a node runs with: the config's, else the defaults. */
export function resolveTiming(timing: NodeTiming = {}): ResolvedTiming {
  const meshInterval = timing.mesh?.intervalMs;
  return {
    trust: { ...TIMING_DEFAULTS.trust, ...timing.trust },
    mesh: {
      intervalMs: meshInterval ?? TIMING_DEFAULTS.mesh.intervalMs,
      // A shortened maintenance interval shortens the re-announcement with it, unless that is given too.
      announceIntervalMs:
        timing.mesh?.announceIntervalMs ??
        (meshInterval === undefined ? TIMING_DEFAULTS.mesh.announceIntervalMs : meshInterval * 6),
    },
    ledger: { ...TIMING_DEFAULTS.ledger, ...timing.ledger },
  };
}
