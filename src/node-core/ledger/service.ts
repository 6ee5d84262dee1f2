import type * as W from '../../shared/ledger';

/** What the node's API asks of the ledger and wallet (ledger.ts implements it). */
export interface WalletService {
  wallet(): W.WalletView;
  history(query: W.WalletHistoryQuery): readonly W.WalletTxView[];
  earnings(days: number): readonly W.EarningsPoint[];
  send(request: W.SendRequest, signal?: AbortSignal): Promise<W.WalletTxView>;
  lockStake(request: W.StakeRequest): Promise<W.WalletTxView>;
  unlockStake(requestId: string): Promise<W.WalletTxView>;
}
