import type { HealthIssue, NodeEvents, NodeStatus } from '../shared/api/contract';
import type { HardwareInfo } from '../shared/hardware';
import type { Settings, SettingsPatch } from '../shared/settings';
import type { AssetRegistry } from './assets/index';
import type { PqSigner } from './crypto';
import type { TypedEvents } from './events';
import type { NodeSharing } from './governor/index';
import type { HardwareProbe } from './hardware/index';
import type { NodeIdentity } from './identity/index';
import type { Ledger } from './ledger/index';
import type { LogBook, Logger } from './logging/index';
import type { Mesh } from './mesh/index';
import type { NoticeWatcher } from './notices';
import type { ProxyService } from './proxy/index';
import type { Db } from './store/index';
import type { Transport } from './transport/index';
import type { CaService, TrustChainVerifier, TrustClient } from './trust/index';
import type { CpuThrottle, GpuExecutor, VmService } from './vm/index';
import type { NodeConfig, NodeOverrides, ResolvedTiming } from './node-config';
import { sharingComponent } from './node-components-sharing';
import { transportComponent, trustComponent } from './node-components-peer';
import {
  assetsComponent,
  ledgerComponent,
  meshComponent,
  proxyComponent,
  vmComponent,
} from './node-components-services';

// The node's subsystems in one typed bag (what js-libp2p calls its components), and the declared list that starts
// them in order and stops them in reverse (docs/architecture.md, "Start and stop order").

/**
 * The running subsystems, each put here by its component as it starts; undefined while one is off or was skipped
 * (no peer transport, no database row of it yet). A part reads the others here at the moment it needs them, so one
 * that starts first can use one that starts later (the governor reads the assets, the assets tell the mesh).
 */
export interface NodeComponents {
  sharing?: NodeSharing | undefined;
  transport?: Transport | undefined;
  /** The transport's certificate checker, which TrustChain keeps up to date (revocations, distrusted CAs). */
  verifier?: TrustChainVerifier | undefined;
  authority?: CaService | undefined;
  pqSigner?: PqSigner | undefined;
  trust?: TrustClient | undefined;
  assets?: AssetRegistry | undefined;
  mesh?: Mesh | undefined;
  ledger?: Ledger | undefined;
  proxy?: ProxyService | undefined;
  vm?: VmService | undefined;
  cpuThrottle?: CpuThrottle | undefined;
  gpuExecutor?: GpuExecutor | undefined;
  /** The link speed the bandwidth share is of, from the first hardware reading (null until then). */
  linkMbps?: number | null;
}

/** What the components read of the node itself (its lifecycle stays in node.ts): valid once the database is open. */
export interface NodeContext {
  readonly config: NodeConfig;
  readonly overrides: NodeOverrides;
  readonly identity: NodeIdentity;
  readonly db: Db;
  readonly logBook: LogBook;
  readonly log: Logger;
  readonly hardware: HardwareProbe;
  /** The node's cached hardware reading, shared by the dashboard and the adapters. */
  readonly hardwareInfo: () => Promise<HardwareInfo>;
  readonly timing: ResolvedTiming;
  readonly events: TypedEvents<NodeEvents>;
  readonly notices: NoticeWatcher;
  /** The node's health list, as getStatus shows it. */
  readonly health: HealthIssue[];
  /** Adds a health warning (getStatus shows it) and logs it. */
  warnHealth(code: HealthIssue['code'], message: string): void;
  /** The settings now (those loaded at start, while the node starts). */
  settings(): Settings;
  updateSettings(patch: SettingsPatch): Settings;
  /** Whether the node runs: events go out only then. */
  running(): boolean;
  ensureRunning(): void;
  status(): NodeStatus;
}

/** One subsystem's part in the node's lifecycle. */
export interface NodeComponent {
  /** As docs/architecture.md names it. */
  readonly name: string;
  /** Builds the part from those started before it and puts it in the bag; skips itself when what it needs is off. */
  start(c: NodeComponents, node: NodeContext): Promise<void> | void;
  /** Stops what its start put in the bag, also after a start that failed halfway; none for a part without one. */
  stop?(c: NodeComponents): Promise<void> | void;
}

/** The start order; the stop order is its reverse. A new subsystem goes in after the parts it is built from. */
export const NODE_COMPONENTS: readonly NodeComponent[] = [
  sharingComponent,
  transportComponent,
  trustComponent,
  assetsComponent,
  meshComponent,
  ledgerComponent,
  proxyComponent,
  vmComponent,
];

/**
 * Starts the components in order. When one fails, those begun (the failed one too: it may have started halfway) are
 * stopped in reverse, and the start's own error is what the caller gets.
 */
export async function startComponents(
  c: NodeComponents,
  node: NodeContext,
  components: readonly NodeComponent[] = NODE_COMPONENTS,
): Promise<void> {
  const begun: NodeComponent[] = [];
  try {
    for (const component of components) {
      begun.push(component);
      await component.start(c, node);
    }
  } catch (err) {
    for (const component of begun.reverse()) {
      try {
        await component.stop?.(c);
      } catch (stopErr) {
        node.log.warn(`${component.name}: could not stop after the failed start: ${(stopErr as Error).message}`);
      }
    }
    throw err;
  }
}

/** Stops the components in reverse order, each before the parts it uses. */
export async function stopComponents(
  c: NodeComponents,
  components: readonly NodeComponent[] = NODE_COMPONENTS,
): Promise<void> {
  for (const component of [...components].reverse()) await component.stop?.(c);
}

/** The parts a node shows (HyperMeshNode: node.transport, node.mesh, …), read from the bag at each access. */
export const SHOWN_PARTS = [
  'transport',
  'trust',
  'authority',
  'assets',
  'mesh',
  'ledger',
  'proxy',
  'vm',
  'sharing',
] as const;

/** Defines `target`'s SHOWN_PARTS as getters onto the bag. */
export function showParts(target: object, c: NodeComponents): void {
  for (const name of SHOWN_PARTS) Object.defineProperty(target, name, { get: () => c[name], enumerable: true });
}
