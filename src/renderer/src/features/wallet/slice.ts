import type {
  EarningsPoint,
  SendRequest,
  StakeRequest,
  WalletHistoryQuery,
  WalletTxView,
  WalletView,
} from '../../../../shared/ledger';
import type { ActionResult, NodeFailure, Slice } from '../../state/kit';
import type { AppState } from '../../store';

/** The default earnings period of the Wallet page's chart, in days. */
export const DEFAULT_EARNINGS_DAYS = 7;

export interface WalletState {
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
  readonly refreshWallet: () => Promise<void>;
  /** Asks for the wallet's history; with a query, that query from now on (the table empties until it is answered). */
  readonly loadWalletHistory: (query?: WalletHistoryQuery) => Promise<void>;
  /** Asks for the earnings; with a number of days, that period from now on. */
  readonly loadEarnings: (days?: number) => Promise<void>;
  /** Sends Caesar; resolves with the transaction or the node's error (never rejects). */
  readonly sendTokens: (request: SendRequest) => Promise<ActionResult<WalletTxView>>;
  readonly lockStake: (request: StakeRequest) => Promise<ActionResult<WalletTxView>>;
  readonly unlockStake: (requestId: string) => Promise<ActionResult<WalletTxView>>;
  /** The node pushed the wallet (a block or a transaction changed it). */
  readonly walletChanged: (wallet: WalletView) => void;
}

export const createWalletSlice: Slice<AppState, WalletState> = ({ api, set, get, loadInto, act }) => {
  // Replies to superseded history and earnings questions are dropped (a slow reply must not show other filters).
  let historySeq = 0;
  let earningsSeq = 0;
  const afterTx = () => Promise.all([get().refreshWallet(), get().loadWalletHistory()]);
  return {
    wallet: undefined,
    walletError: undefined,
    walletHistory: undefined,
    walletHistoryQuery: {},
    walletHistoryError: undefined,
    earnings: undefined,
    earningsDays: DEFAULT_EARNINGS_DAYS,
    earningsError: undefined,

    refreshWallet: () => loadInto(() => api.getWallet(), 'wallet', { key: 'walletError', as: 'failure' }),

    async loadWalletHistory(query) {
      if (query !== undefined) set({ walletHistoryQuery: query, walletHistory: undefined });
      const asked = get().walletHistoryQuery;
      const seq = ++historySeq;
      const current = () => seq === historySeq;
      await loadInto(
        () => api.getWalletHistory(asked),
        'walletHistory',
        { key: 'walletHistoryError', as: 'failure' },
        current,
      );
    },

    async loadEarnings(days) {
      if (days !== undefined && days !== get().earningsDays) set({ earningsDays: days, earnings: undefined });
      const asked = get().earningsDays;
      const seq = ++earningsSeq;
      const current = () => seq === earningsSeq;
      await loadInto(() => api.getEarnings(asked), 'earnings', { key: 'earningsError', as: 'failure' }, current);
    },

    sendTokens: (request) => act(() => api.sendTokens(request), afterTx),
    lockStake: (request) => act(() => api.lockStake(request), afterTx),
    unlockStake: (requestId) => act(() => api.unlockStake(requestId), afterTx),

    walletChanged(wallet) {
      set({ wallet, walletError: undefined });
      // Its history changed too, if the Wallet page has asked for it.
      if (get().walletHistory !== undefined || get().walletHistoryError !== undefined) {
        void get().loadWalletHistory();
      }
    },
  };
};
