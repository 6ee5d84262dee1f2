import {
  activityIdArg,
  activityQueryArg,
  addressArg,
  allocationArg,
  checkNameArg,
  connectAddressArg,
  daysArg,
  federationDocumentArg,
  historyArg,
  jobQueryArg,
  logQueryArg,
  noArgs,
  pauseRequestArg,
  readMemoryArgs,
  remoteMemoryArg,
  requestIdArg,
  revokeArgs,
  runJobArg,
  searchQueryArg,
  sendArg,
  settingsPatchArg,
  stakeArg,
  writeMemoryArgs,
} from './arg-checks';
import type { ActivityItem, ActivityQuery, ReceiptTrail, Reconciliation } from '../activity';
import type { AssetView } from '../assets';
import type { BenchmarkView } from '../benchmark';
import type { ApiErrorBody } from '../errors';
import type { HardwareInfo, UsageSnapshot } from '../hardware';
import type {
  AssetSearchQuery,
  MeshStatus,
  RemoteAllocationRequest,
  RemoteAllocationView,
  RemoteAssetView,
} from '../mesh';
import type { EarningsPoint, SendRequest, StakeRequest, WalletHistoryQuery, WalletTxView, WalletView } from '../ledger';
import type { NetworkStats, PeerIdentityKind } from '../network';
import type { ProvidedMappingView, ProxyStatusView, RemoteMemoryRequest, UsedPoolView } from '../proxy';
import type { Notice } from '../notifications';
import type { JobQuery, JobResultView, JobView, RunJobRequest } from '../vm';
import type { ResourceKind, Settings, SettingsPatch } from '../settings';
import type { PauseRequest, PauseState, SharingView } from '../sharing-view';
import type { FederationDocumentJson, FederationMemberEntry, ResolvedName, TrustStatus } from '../trust';

/** A problem the user should see as a banner; `code` is stable, `message` is for people. */
export interface HealthIssue {
  readonly code: string;
  readonly severity: 'info' | 'warning' | 'error';
  readonly message: string;
}

export interface NodeStatus {
  /** Full NodeId: base32 of a hash of the node's public keys. */
  readonly nodeId: string;
  /** Short human form of the NodeId, e.g. `hm-7k3d-q2xa`. */
  readonly nodeIdShort: string;
  readonly version: string;
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly dataDir: string;
  /** `off` at privacy level Private, `paused` when the user paused all sharing, else `active`. */
  readonly sharing: 'off' | 'paused' | 'active';
  /** What the node may actually share right now, per resource, in percent (after the sharing rules; fractional). */
  readonly effectiveAllocation: Readonly<Record<ResourceKind, number>>;
  /** Allowed vs used per resource, and why the allowance is lower (docs/sharing-rules.md). */
  readonly allowance: SharingView;
  readonly health: readonly HealthIssue[];
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly seq: number;
  readonly time: string;
  readonly level: LogLevel;
  readonly source: string;
  readonly message: string;
}

export interface LogQuery {
  /** Case-insensitive text to find in source or message. */
  readonly text?: string;
  readonly minLevel?: LogLevel;
  /** Most entries returned, newest last; 1–5000, default 500. */
  readonly limit?: number;
}

/**
 * The one contract between the UI and the node. Every method is async and takes and returns JSON-safe values
 * only (no BigInt, Date or Map); the carriers (Electron IPC, loopback HTTP) wrap replies in an ApiReply.
 */
export interface NodeApi {
  getStatus(): Promise<NodeStatus>;
  getSettings(): Promise<Settings>;
  updateSettings(patch: SettingsPatch): Promise<Settings>;
  getHardware(): Promise<HardwareInfo>;
  /** Live load of this computer, for the dashboard, with what peers are allowed and use now (`sharing`). */
  getUsage(): Promise<UsageSnapshot>;
  /** Snooze: pauses all sharing for a time, until tomorrow (local midnight) or until resumed; survives a restart. */
  pauseSharing(request: PauseRequest): Promise<PauseState>;
  /** Ends a pause or snooze. */
  resumeSharing(): Promise<PauseState>;
  getLogs(query: LogQuery): Promise<readonly LogEntry[]>;
  /** STOQ: where the node listens, its peer connections and traffic. */
  getNetworkStats(): Promise<NetworkStats>;
  /** This node's resources as assets: detected capacity, the user's share, live use, AssetId and proof status. */
  getAssets(): Promise<readonly AssetView[]>;
  /** Dials a peer at `address` (`host:port`, `[v6]:port`) over STOQ and says who answered and how it proved it. */
  connectPeer(address: string): Promise<{ readonly nodeId: string; readonly identity: PeerIdentityKind }>;
  /** TrustChain: this node's certificate and chain, transparency status, federation, and its CA if it runs one. */
  getTrustStatus(): Promise<TrustStatus>;
  /** Resolves a HyperMesh name (`hypermesh`, `caesar`, a registered name) through the CA's signed registry. */
  resolveName(name: string): Promise<ResolvedName>;
  /** Registers a name for this node (pointing at its STOQ address) in its CA's registry; first come, first served. */
  registerName(name: string): Promise<ResolvedName>;
  /** Frees a name this node holds at its CA, so it may register another (a node holds at most 5; docs/trust.md). */
  releaseName(name: string): Promise<{ readonly released: string }>;
  /** For a node that runs a CA: how it appears in a federation document (to send to the other CAs' operators). */
  federationMember(): Promise<FederationMemberEntry>;
  /** For a CA node: adds its signature to a proposed federation document that lists it, and returns the document. */
  signFederation(document: FederationDocumentJson): Promise<FederationDocumentJson>;
  /** For a CA node: switches to a signed federation document (a valid successor of the current one). */
  adoptFederation(document: FederationDocumentJson): Promise<{ readonly epoch: number; readonly members: number }>;
  /** For a node that runs a CA: revokes a certificate it issued (serial in hex). */
  revokeCertificate(serial: string, reason: string): Promise<{ readonly serial: string }>;
  /** The mesh: reachability, addresses, the peer book. */
  getMeshStatus(): Promise<MeshStatus>;
  /** Peers' shared assets announced on the mesh, filtered; nearest and cheapest first. */
  searchAssets(query: AssetSearchQuery): Promise<readonly RemoteAssetView[]>;
  /** Allocates part of a peer's asset across the mesh (both sides prove the allocation with all four proofs). */
  allocateRemote(request: RemoteAllocationRequest): Promise<RemoteAllocationView>;
  /** Leases this node holds on peers' assets. */
  getRemoteAllocations(): Promise<readonly RemoteAllocationView[]>;
  /** The Caesar wallet: balance, pending, stake, earnings total and the ledger's sync state. */
  getWallet(): Promise<WalletView>;
  /** This wallet's transactions (pending, confirmed, rejected), newest first. */
  getWalletHistory(query: WalletHistoryQuery): Promise<readonly WalletTxView[]>;
  /** Confirmed earnings per hour over the last `days` days (1–90), oldest first, hours without earnings included. */
  getEarnings(days: number): Promise<readonly EarningsPoint[]>;
  /** Sends Caesar to a NodeId or name; the same requestId twice gives the same transaction. */
  sendTokens(request: SendRequest): Promise<WalletTxView>;
  /** Locks Caesar as stake (PoStake); adds to any stake held and extends its lock. */
  lockStake(request: StakeRequest): Promise<WalletTxView>;
  /** Unlocks all stake once its lock has passed. */
  unlockStake(requestId: string): Promise<WalletTxView>;
  /** The memory proxy: mappings this node provides, and remote memory pools it uses. */
  getProxyStatus(): Promise<ProxyStatusView>;
  /** Allocates remote memory at peers chosen by stake, certificate, latency and trust; encrypted here. */
  allocateRemoteMemory(request: RemoteMemoryRequest): Promise<UsedPoolView>;
  /** Writes base64 bytes into a pool at `offset` (through the page cache: visible to the providers after flush). */
  writeRemoteMemory(address: string, offset: number, data: string): Promise<{ readonly written: number }>;
  /** Reads `length` bytes of a pool at `offset`, as base64. */
  readRemoteMemory(address: string, offset: number, length: number): Promise<{ readonly data: string }>;
  /** Writes every changed page of a pool back to its providers. */
  flushRemoteMemory(address: string): Promise<{ readonly pages: number }>;
  /** Frees a pool: its mappings and the leases under them. */
  freeRemoteMemory(address: string): Promise<{ readonly freed: true }>;
  /** Revokes a mapping this node provides: every later access to it is refused. */
  revokeMapping(address: string): Promise<ProvidedMappingView>;
  /**
   * Runs a job on peers' shared CPU and memory (Catalog VM): on `redundancy` providers, each proving its result;
   * resolves when a majority agreed (or the job failed), with the accepted output.
   */
  runJob(request: RunJobRequest): Promise<JobResultView>;
  /** Jobs this node ran for peers and jobs it asked peers to run, newest first. */
  getJobs(query: JobQuery): Promise<readonly JobView[]>;
  /** Work this node does for others and has others do (jobs, leases, memory), newest first (docs/activity.md). */
  getActivity(query: ActivityQuery): Promise<readonly ActivityItem[]>;
  /** A job's or lease's usage receipts, the reward formula with its numbers, and the tx and block that paid it. */
  getReceiptTrail(id: string): Promise<ReceiptTrail>;
  /** The wallet's balance and stake explained by its confirmed transactions, and whether they add up. */
  getReconciliation(): Promise<Reconciliation>;
  /** Starts the local capacity benchmark (~20 s, low priority); refused while sharing takes 100 % of the CPU. */
  startBenchmark(): Promise<BenchmarkView>;
  /** Stops a running benchmark (its temporary file is removed); the last completed result is kept. */
  cancelBenchmark(): Promise<BenchmarkView>;
  /** The benchmark's state, progress and last result (kept across restarts). */
  getBenchmark(): Promise<BenchmarkView>;
}

export type NodeApiMethod = keyof NodeApi;

export type ApiArgs<M extends NodeApiMethod> = Parameters<NodeApi[M]>;
export type ApiResult<M extends NodeApiMethod> = Awaited<ReturnType<NodeApi[M]>>;

/**
 * How each method's arguments are checked (the UI is untrusted input too): the node runs the checker before the
 * method. The type makes every NodeApi method need exactly one entry whose result is that method's arguments, so a
 * method added to the interface above is only complete with its line here. Checkers live in arg-checks.ts, one per
 * argument shape; a new shape may be checked inline.
 */
export const NODE_API_ARGS: { readonly [M in NodeApiMethod]: (args: readonly unknown[]) => ApiArgs<M> } = {
  getStatus: noArgs,
  getSettings: noArgs,
  updateSettings: settingsPatchArg,
  getHardware: noArgs,
  getUsage: noArgs,
  pauseSharing: pauseRequestArg,
  resumeSharing: noArgs,
  getLogs: logQueryArg,
  getNetworkStats: noArgs,
  connectPeer: connectAddressArg,
  getAssets: noArgs,
  getTrustStatus: noArgs,
  resolveName: checkNameArg,
  registerName: checkNameArg,
  releaseName: checkNameArg,
  revokeCertificate: revokeArgs,
  federationMember: noArgs,
  signFederation: (args) => [federationDocumentArg(args)],
  adoptFederation: (args) => [federationDocumentArg(args)],
  getMeshStatus: noArgs,
  searchAssets: searchQueryArg,
  allocateRemote: allocationArg,
  getRemoteAllocations: noArgs,
  getWallet: noArgs,
  getWalletHistory: historyArg,
  getEarnings: daysArg,
  sendTokens: sendArg,
  lockStake: stakeArg,
  unlockStake: requestIdArg,
  getProxyStatus: noArgs,
  allocateRemoteMemory: remoteMemoryArg,
  writeRemoteMemory: writeMemoryArgs,
  readRemoteMemory: readMemoryArgs,
  flushRemoteMemory: addressArg,
  freeRemoteMemory: addressArg,
  revokeMapping: addressArg,
  runJob: runJobArg,
  getJobs: jobQueryArg,
  getActivity: activityQueryArg,
  getReceiptTrail: activityIdArg,
  getReconciliation: noArgs,
  startBenchmark: noArgs,
  cancelBenchmark: noArgs,
  getBenchmark: noArgs,
};

/** The runtime list of methods, taken from the table above (which the compiler checks against NodeApi). */
export const NODE_API_METHODS = Object.keys(NODE_API_ARGS) as readonly NodeApiMethod[];

export function isNodeApiMethod(name: unknown): name is NodeApiMethod {
  return typeof name === 'string' && Object.hasOwn(NODE_API_ARGS, name);
}

/** Events the node pushes to every connected UI. */
export interface NodeEvents {
  settingsChanged: Settings;
  status: NodeStatus;
  log: LogEntry;
  /** The wallet changed (a block arrived, a transaction was sent, confirmed or rejected). */
  wallet: WalletView;
  /** The sharing allowance changed (a rule tightened or loosened, a snooze began or ended). */
  sharing: SharingView;
  /** The capacity benchmark moved on (progress, step, done, cancelled, failed). */
  benchmark: BenchmarkView;
  /** Something to tell the person unasked (shared/notifications.ts); kinds turned off in settings are not sent. */
  notice: Notice;
}

export type NodeEventName = keyof NodeEvents;

export const NODE_EVENT_NAMES = [
  'settingsChanged',
  'status',
  'log',
  'wallet',
  'sharing',
  'benchmark',
  'notice',
] as const satisfies readonly NodeEventName[];

/**
 * One pushed event: a union keyed by `event`, so `switch (message.event)` narrows `payload` without casts. Give `E`
 * to name one event's message.
 */
export type EventMessage<E extends NodeEventName = NodeEventName> = {
  readonly [K in E]: { readonly event: K; readonly payload: NodeEvents[K] };
}[E];

export type ApiReply<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiErrorBody };
