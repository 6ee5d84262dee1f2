import type { NodeApi } from '../../shared/api/contract';
import { requirePart, type ApiPartContext } from '../api/index';
import { LedgerUnavailableError } from './errors';
import type { Ledger } from './ledger';

export type WalletApi = Pick<
  NodeApi,
  'getWallet' | 'getWalletHistory' | 'getEarnings' | 'sendTokens' | 'lockStake' | 'unlockStake'
>;

/** The Wallet page's calls: the Caesar ledger's part of the NodeApi. */
export function walletApi(ctx: ApiPartContext<Ledger>): WalletApi {
  const wallet = () =>
    requirePart(
      ctx,
      () =>
        new LedgerUnavailableError('The Caesar ledger needs the peer transport and TrustChain, which are not running.'),
    );
  // async so that every failure, even a synchronous one, reaches the caller as a rejection
  return {
    getWallet: async () => wallet().wallet(),
    getWalletHistory: async (query) => wallet().history(query),
    getEarnings: async (days) => wallet().earnings(days),
    sendTokens: async (request) => wallet().send(request, AbortSignal.timeout(30_000)),
    lockStake: async (request) => wallet().lockStake(request),
    unlockStake: async (requestId) => wallet().unlockStake(requestId),
  };
}
