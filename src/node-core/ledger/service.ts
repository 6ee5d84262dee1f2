import type {
  EarningsPoint,
  SendRequest,
  StakeRequest,
  WalletHistoryQuery,
  WalletTxView,
  WalletView,
} from '../../shared/ledger';

/** What the node's API asks of the ledger and wallet (ledger.ts implements it). */
export interface WalletService {
  wallet(): WalletView;
  history(query: WalletHistoryQuery): readonly WalletTxView[];
  earnings(days: number): readonly EarningsPoint[];
  send(request: SendRequest, signal?: AbortSignal): Promise<WalletTxView>;
  lockStake(request: StakeRequest): Promise<WalletTxView>;
  unlockStake(requestId: string): Promise<WalletTxView>;
}
