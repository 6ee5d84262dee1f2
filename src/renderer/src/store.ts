import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EventMessage, LogEntry, NodeApi, NodeStatus } from '../../shared/api/contract';
import type { ValidationIssue } from '../../shared/errors';
import { ErrorCode, RemoteError } from '../../shared/errors';
import type { HardwareInfo, UsageSnapshot } from '../../shared/hardware';
import type { NetworkStats, PeerIdentityKind } from '../../shared/network';
import type { Settings } from '../../shared/settings';
import type { ResolvedName, TrustStatus } from '../../shared/trust';
import type { AssetView } from '../../shared/assets';
import type {
  AssetSearchQuery,
  MeshStatus,
  RemoteAllocationRequest,
  RemoteAllocationView,
  RemoteAssetView,
} from '../../shared/mesh';
import type {
  EarningsPoint,
  SendRequest,
  StakeRequest,
  WalletHistoryQuery,
  WalletTxView,
  WalletView,
} from '../../shared/ledger';
import type { ProvidedMappingView, ProxyStatusView, RemoteMemoryRequest, UsedPoolView } from '../../shared/proxy';
import type { JobResultView, JobView, RunJobRequest } from '../../shared/vm';
import type { PauseRequest } from '../../shared/sharing-view';

export type Connection = 'connecting' | 'live' | 'offline' | 'unauthorized';

export interface SaveError {
  readonly message: string;
  readonly issues: readonly ValidationIssue[];
}

export interface AppState {
  readonly connection: Connection;
  readonly connectionError: string | undefined;
  readonly status: NodeStatus | undefined;
  readonly settings: Settings | undefined;
  /** The user's edits on the Sharing page, not yet saved; undefined when there are none. */
  readonly draft: Settings | undefined;
  readonly saving: boolean;
  readonly saveError: SaveError | undefined;
  readonly savedAt: number | undefined;
  readonly hardware: HardwareInfo | undefined;
  readonly hardwareError: string | undefined;
  readonly logs: readonly LogEntry[];
  readonly usage: UsageSnapshot | undefined;
  readonly network: NetworkStats | undefined;
  /** Recent traffic samples for the Network page chart, oldest first. */
  readonly networkHistory: readonly TrafficSample[];
  /** TrustChain as the node sees it, for the Certificates page. */
  readonly trust: TrustStatus | undefined;
  readonly assets: readonly AssetView[] | undefined;
  /** Why the last getTrustStatus failed, when the node answered with an error. */
  readonly trustError: string | undefined;
  /** The mesh as the node sees it (reachability, addresses, peer book), for the Network and Marketplace pages. */
  readonly mesh: MeshStatus | undefined;
  /** Why the last getMeshStatus failed, when the node answered with an error. */
  readonly meshError: string | undefined;
  /** Leases this node holds on peers' assets. */
  readonly remoteAllocations: readonly RemoteAllocationView[] | undefined;
  readonly remoteAllocationsError: string | undefined;
  /** The Caesar wallet, as last known; kept (and marked stale by walletError) when a later call fails. */
  readonly wallet: WalletView | undefined;
  /** Why the last getWallet failed (LEDGER_UNAVAILABLE until the node has a ledger). */
  readonly walletError: NodeFailure | undefined;
  /** The wallet's transactions for walletHistoryQuery, newest first; undefined while that query is asked. */
  readonly walletHistory: readonly WalletTxView[] | undefined;
  readonly walletHistoryQuery: WalletHistoryQuery;
  readonly walletHistoryError: NodeFailure | undefined;
  /** Hourly earnings for the last earningsDays days, oldest first; undefined while they are asked. */
  readonly earnings: readonly EarningsPoint[] | undefined;
  readonly earningsDays: number;
  readonly earningsError: NodeFailure | undefined;
  /** The memory proxy: mappings this node provides and pools it uses, as last known (kept when a later call fails). */
  readonly proxy: ProxyStatusView | undefined;
  /** Why the last getProxyStatus failed, when the node answered with an error. */
  readonly proxyError: NodeFailure | undefined;
  /** Catalog VM jobs, newest first, as last known (kept when a later call fails): asked here, and run for peers. */
  readonly jobs: JobLists | undefined;
  /** Why the last getJobs failed, when the node answered with an error. */
  readonly jobsError: NodeFailure | undefined;

  readonly load: () => Promise<void>;
  readonly refreshStatus: () => Promise<void>;
  readonly editDraft: (change: (current: Settings) => Settings) => void;
  readonly discardDraft: () => void;
  readonly saveDraft: () => Promise<void>;
  /** Applies one change at once (pause all, theme): no draft step. Resolves with the error if it was refused. */
  readonly applyNow: (patch: Parameters<NodeApi['updateSettings']>[0]) => Promise<SaveError | undefined>;
  /** Snooze and resume (the Dashboard); resolve with the error if the node refused, then the status is asked again. */
  readonly pauseSharing: (request: PauseRequest) => Promise<string | undefined>;
  readonly resumeSharing: () => Promise<string | undefined>;
  readonly loadLogs: () => Promise<void>;
  readonly refreshUsage: () => Promise<void>;
  readonly refreshNetwork: () => Promise<void>;
  readonly refreshTrust: () => Promise<void>;
  readonly refreshAssets: () => Promise<void>;
  readonly refreshMesh: () => Promise<void>;
  readonly refreshRemoteAllocations: () => Promise<void>;
  /** Looks for peers' assets on the mesh; resolves with what was found or why not (never rejects). */
  readonly searchAssets: (query: AssetSearchQuery) => Promise<SearchResult>;
  /** Allocates part of a peer's asset; resolves with the lease or why it was refused (never rejects). */
  readonly allocateRemote: (request: RemoteAllocationRequest) => Promise<AllocateResult>;
  /** Asks the node which node a HyperMesh name belongs to, verified through TrustChain; never rejects. */
  readonly resolveName: (name: string) => Promise<NameResolution>;
  /** Dials a peer by address; resolves with who answered, or the reason it failed (never rejects). */
  readonly connectPeer: (address: string) => Promise<ConnectResult>;
  readonly refreshWallet: () => Promise<void>;
  /** Asks for the wallet's history; with a query, that query from now on (the table empties until it is answered). */
  readonly loadWalletHistory: (query?: WalletHistoryQuery) => Promise<void>;
  /** Asks for the earnings; with a number of days, that period from now on. */
  readonly loadEarnings: (days?: number) => Promise<void>;
  /** Sends Caesar; resolves with the transaction or the node's error (never rejects). */
  readonly sendTokens: (request: SendRequest) => Promise<WalletResult>;
  readonly lockStake: (request: StakeRequest) => Promise<WalletResult>;
  readonly unlockStake: (requestId: string) => Promise<WalletResult>;
  readonly refreshProxy: () => Promise<void>;
  /** Allocates remote memory; resolves with the pool or the node's error (never rejects). */
  readonly allocateRemoteMemory: (request: RemoteMemoryRequest) => Promise<ProxyResult<UsedPoolView>>;
  readonly flushRemoteMemory: (address: string) => Promise<ProxyResult<{ readonly pages: number }>>;
  readonly freeRemoteMemory: (address: string) => Promise<ProxyResult<{ readonly freed: true }>>;
  /** Revokes a mapping this node provides; resolves with the mapping as it now is, or the node's error. */
  readonly revokeMapping: (address: string) => Promise<ProxyResult<ProvidedMappingView>>;
  readonly refreshJobs: () => Promise<void>;
  /** Runs a job on peers; resolves with its result or the node's error (never rejects), then asks the jobs again. */
  readonly runJob: (request: RunJobRequest) => Promise<ProxyResult<JobResultView>>;
  readonly onEvent: (message: EventMessage) => void;
  readonly setConnection: (live: boolean) => void;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const MAX_LOGS = 2000;
const HISTORY_SAMPLES = 60;

/** A name looked up through the CA's signed registry, with the CA's name when the federation knows it. */
export type NameResolution =
  | { readonly verified: true; readonly record: ResolvedName; readonly caName: string | null }
  | { readonly verified: false; readonly name: string; readonly reason: string };

export type ConnectResult =
  | { readonly ok: true; readonly nodeId: string; readonly identity: PeerIdentityKind }
  | { readonly ok: false; readonly reason: string };

export type SearchResult =
  { readonly ok: true; readonly assets: readonly RemoteAssetView[] } | { readonly ok: false; readonly reason: string };

export type AllocateResult =
  { readonly ok: true; readonly lease: RemoteAllocationView } | { readonly ok: false; readonly reason: string };

/** A call the node refused (with its stable code) or that got no answer at all (code null). */
export interface NodeFailure {
  readonly code: ErrorCode | null;
  readonly message: string;
  /** Why, within the code, as data (a job failure reason, a proxy failure): never parsed from the message. */
  readonly reason?: string;
  readonly issues: readonly ValidationIssue[];
}

/** What a Memory page action came to: the node's answer, or its error (never a rejection). */
export type ProxyResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: NodeFailure };

/** The Jobs page's two lists: jobs this node asked peers to run, and jobs it ran for peers. */
export interface JobLists {
  readonly consumer: readonly JobView[];
  readonly provider: readonly JobView[];
}

/** How many jobs of each role the Jobs page shows. */
export const JOBS_SHOWN = 100;

export type WalletResult =
  { readonly ok: true; readonly tx: WalletTxView } | { readonly ok: false; readonly error: NodeFailure };

function failureOf(err: unknown): NodeFailure {
  if (err instanceof RemoteError) {
    const failure = { code: err.code, message: err.message, issues: err.details?.issues ?? [] };
    return err.reason === undefined ? failure : { ...failure, reason: err.reason };
  }
  return { code: null, message: messageOf(err), issues: [] };
}

/** The default earnings period of the Wallet page's chart, in days. */
export const DEFAULT_EARNINGS_DAYS = 7;

export interface TrafficSample {
  readonly at: number;
  readonly sendMbps: number;
  readonly receiveMbps: number;
}

export function createAppStore(api: NodeApi): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => {
    const fail = (err: unknown) => {
      if (err instanceof RemoteError && err.code === ErrorCode.Unauthorized) {
        set({ connection: 'unauthorized', connectionError: err.message });
      } else {
        set({ connection: 'offline', connectionError: messageOf(err) });
      }
    };
    // Replies to superseded history and earnings questions are dropped (a slow reply must not show other filters).
    let historySeq = 0;
    let earningsSeq = 0;
    /** A call of the Wallet page failed: the node's answer is kept for the page; no answer at all means it is gone. */
    const walletFailure = (err: unknown): NodeFailure | undefined => {
      if (err instanceof RemoteError && err.code !== ErrorCode.Unauthorized) return failureOf(err);
      fail(err);
      return undefined;
    };
    const walletAction = async (action: () => Promise<WalletTxView>): Promise<WalletResult> => {
      let tx;
      try {
        tx = await action();
      } catch (err) {
        return { ok: false, error: failureOf(err) };
      }
      await Promise.all([get().refreshWallet(), get().loadWalletHistory()]);
      return { ok: true, tx };
    };
    /** A Memory page action: the node's answer, then the proxy status again so that the page shows what it did. */
    const proxyAction = async <T>(action: () => Promise<T>): Promise<ProxyResult<T>> => {
      let value: T;
      try {
        value = await action();
      } catch (err) {
        return { ok: false, error: failureOf(err) };
      }
      await get().refreshProxy();
      return { ok: true, value };
    };
    return {
      connection: 'connecting',
      connectionError: undefined,
      status: undefined,
      settings: undefined,
      draft: undefined,
      saving: false,
      saveError: undefined,
      savedAt: undefined,
      hardware: undefined,
      hardwareError: undefined,
      logs: [],
      usage: undefined,
      network: undefined,
      networkHistory: [],
      trust: undefined,
      assets: undefined,
      trustError: undefined,
      mesh: undefined,
      meshError: undefined,
      remoteAllocations: undefined,
      remoteAllocationsError: undefined,
      wallet: undefined,
      walletError: undefined,
      walletHistory: undefined,
      walletHistoryQuery: {},
      walletHistoryError: undefined,
      earnings: undefined,
      earningsDays: DEFAULT_EARNINGS_DAYS,
      earningsError: undefined,
      proxy: undefined,
      proxyError: undefined,
      jobs: undefined,
      jobsError: undefined,

      async load() {
        try {
          const [status, settings] = await Promise.all([api.getStatus(), api.getSettings()]);
          set({ status, settings, connection: 'live', connectionError: undefined });
        } catch (err) {
          fail(err);
          return;
        }
        try {
          set({ hardware: await api.getHardware() });
        } catch (err) {
          set({ hardwareError: messageOf(err) });
        }
      },

      async refreshStatus() {
        try {
          set({ status: await api.getStatus(), connection: 'live' });
        } catch (err) {
          fail(err);
        }
      },

      editDraft(change) {
        const base = get().draft ?? get().settings;
        if (!base) return;
        set({ draft: change(base) });
      },

      discardDraft() {
        set({ draft: undefined, saveError: undefined });
      },

      async saveDraft() {
        const draft = get().draft;
        if (!draft) return;
        set({ saving: true });
        try {
          const settings = await api.updateSettings(draft);
          set({ settings, draft: undefined, saveError: undefined, saving: false, savedAt: Date.now() });
          await get().refreshStatus();
        } catch (err) {
          set({
            saving: false,
            saveError: {
              message: messageOf(err),
              issues: err instanceof RemoteError ? (err.details?.issues ?? []) : [],
            },
          });
        }
      },

      async applyNow(patch) {
        try {
          const settings = await api.updateSettings(patch);
          set({ settings, savedAt: Date.now() });
          await get().refreshStatus();
          return undefined;
        } catch (err) {
          const saveError = {
            message: messageOf(err),
            issues: err instanceof RemoteError ? (err.details?.issues ?? []) : [],
          };
          set({ saveError });
          return saveError;
        }
      },

      async loadLogs() {
        try {
          set({ logs: await api.getLogs({ limit: MAX_LOGS }) });
        } catch (err) {
          fail(err);
        }
      },

      async pauseSharing(request) {
        try {
          await api.pauseSharing(request);
          await get().refreshStatus();
          return undefined;
        } catch (err) {
          return messageOf(err);
        }
      },

      async resumeSharing() {
        try {
          await api.resumeSharing();
          await get().refreshStatus();
          return undefined;
        } catch (err) {
          return messageOf(err);
        }
      },

      async refreshUsage() {
        try {
          set({ usage: await api.getUsage() });
        } catch (err) {
          fail(err);
        }
      },

      async refreshNetwork() {
        try {
          const network = await api.getNetworkStats();
          const sample = {
            at: Date.parse(network.sampledAt),
            sendMbps: network.totals.sendBitsPerSec / 1e6,
            receiveMbps: network.totals.receiveBitsPerSec / 1e6,
          };
          set({ network, networkHistory: [...get().networkHistory, sample].slice(-HISTORY_SAMPLES) });
        } catch (err) {
          fail(err);
        }
      },

      async refreshAssets() {
        try {
          set({ assets: await api.getAssets() });
        } catch (err) {
          fail(err);
        }
      },

      async refreshTrust() {
        try {
          set({ trust: await api.getTrustStatus(), trustError: undefined });
        } catch (err) {
          // The node answered but could not say (a TrustChain error): keep the page and say why. Else it is gone.
          if (err instanceof RemoteError && err.code !== ErrorCode.Unauthorized) set({ trustError: err.message });
          else fail(err);
        }
      },

      async refreshMesh() {
        try {
          set({ mesh: await api.getMeshStatus(), meshError: undefined });
        } catch (err) {
          // As for TrustChain: an error from the node keeps the rest of the page; no answer means it is gone.
          if (err instanceof RemoteError && err.code !== ErrorCode.Unauthorized) set({ meshError: err.message });
          else fail(err);
        }
      },

      async refreshRemoteAllocations() {
        try {
          set({ remoteAllocations: await api.getRemoteAllocations(), remoteAllocationsError: undefined });
        } catch (err) {
          if (err instanceof RemoteError && err.code !== ErrorCode.Unauthorized) {
            set({ remoteAllocationsError: err.message });
          } else fail(err);
        }
      },

      async searchAssets(query) {
        try {
          return { ok: true, assets: await api.searchAssets(query) };
        } catch (err) {
          return { ok: false, reason: messageOf(err) };
        }
      },

      async allocateRemote(request) {
        let lease;
        try {
          lease = await api.allocateRemote(request);
        } catch (err) {
          return { ok: false, reason: messageOf(err) };
        }
        await get().refreshRemoteAllocations();
        return { ok: true, lease };
      },

      async connectPeer(address) {
        try {
          const peer = await api.connectPeer(address);
          await get().refreshNetwork();
          return { ok: true, ...peer };
        } catch (err) {
          return { ok: false, reason: messageOf(err) };
        }
      },

      async resolveName(name) {
        const [resolved, trust] = await Promise.allSettled([api.resolveName(name), api.getTrustStatus()]);
        if (resolved.status === 'rejected') return { verified: false, name, reason: messageOf(resolved.reason) };
        const record = resolved.value;
        const members = trust.status === 'fulfilled' ? (trust.value.federation?.members ?? []) : [];
        const caName = members.find((m) => m.caId === record.caId)?.name ?? null;
        if (trust.status === 'fulfilled') set({ trust: trust.value });
        return { verified: true, record, caName };
      },

      async refreshWallet() {
        try {
          set({ wallet: await api.getWallet(), walletError: undefined });
        } catch (err) {
          const failure = walletFailure(err);
          if (failure) set({ walletError: failure });
        }
      },

      async loadWalletHistory(query) {
        if (query !== undefined) set({ walletHistoryQuery: query, walletHistory: undefined });
        const asked = get().walletHistoryQuery;
        const seq = ++historySeq;
        try {
          const history = await api.getWalletHistory(asked);
          if (seq === historySeq) set({ walletHistory: history, walletHistoryError: undefined });
        } catch (err) {
          const failure = walletFailure(err);
          if (failure && seq === historySeq) set({ walletHistoryError: failure });
        }
      },

      async loadEarnings(days) {
        if (days !== undefined && days !== get().earningsDays) set({ earningsDays: days, earnings: undefined });
        const asked = get().earningsDays;
        const seq = ++earningsSeq;
        try {
          const earnings = await api.getEarnings(asked);
          if (seq === earningsSeq) set({ earnings, earningsError: undefined });
        } catch (err) {
          const failure = walletFailure(err);
          if (failure && seq === earningsSeq) set({ earningsError: failure });
        }
      },

      sendTokens: (request) => walletAction(() => api.sendTokens(request)),
      lockStake: (request) => walletAction(() => api.lockStake(request)),
      unlockStake: (requestId) => walletAction(() => api.unlockStake(requestId)),

      async refreshProxy() {
        try {
          set({ proxy: await api.getProxyStatus(), proxyError: undefined });
        } catch (err) {
          // As for the wallet: an error from the node keeps the page and the last known status; no answer: it is gone.
          const failure = walletFailure(err);
          if (failure) set({ proxyError: failure });
        }
      },

      allocateRemoteMemory: (request) => proxyAction(() => api.allocateRemoteMemory(request)),
      flushRemoteMemory: (address) => proxyAction(() => api.flushRemoteMemory(address)),
      freeRemoteMemory: (address) => proxyAction(() => api.freeRemoteMemory(address)),
      revokeMapping: (address) => proxyAction(() => api.revokeMapping(address)),

      async refreshJobs() {
        try {
          const [consumer, provider] = await Promise.all([
            api.getJobs({ role: 'consumer', limit: JOBS_SHOWN }),
            api.getJobs({ role: 'provider', limit: JOBS_SHOWN }),
          ]);
          set({ jobs: { consumer, provider }, jobsError: undefined });
        } catch (err) {
          // As for the proxy: an error from the node keeps the last known lists; no answer: the node is gone.
          const failure = walletFailure(err);
          if (failure) set({ jobsError: failure });
        }
      },

      async runJob(request) {
        let value: JobResultView;
        try {
          value = await api.runJob(request);
        } catch (err) {
          void get().refreshJobs();
          return { ok: false, error: failureOf(err) };
        }
        await get().refreshJobs();
        return { ok: true, value };
      },

      onEvent(message) {
        switch (message.event) {
          case 'settingsChanged':
            set({ settings: message.payload });
            break;
          case 'status':
            set({ status: message.payload });
            break;
          case 'log': {
            const entry = message.payload;
            const logs = get().logs;
            if (logs.some((l) => l.seq === entry.seq)) break;
            set({ logs: [...logs, entry].slice(-MAX_LOGS) });
            break;
          }
          case 'wallet':
            set({ wallet: message.payload, walletError: undefined });
            // A block or a transaction changed the wallet: its history too, if the Wallet page has asked for it.
            if (get().walletHistory !== undefined || get().walletHistoryError !== undefined) {
              void get().loadWalletHistory();
            }
            break;
        }
      },

      setConnection(live) {
        if (get().connection === 'unauthorized') return;
        if (live) void get().load();
        else set({ connection: 'offline' });
      },
    };
  });
}

export const StoreContext = createContext<StoreApi<AppState> | null>(null);

export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside StoreContext');
  return useStore(store, selector);
}
