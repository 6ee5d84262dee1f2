export * from './block';
export * from './chain';
export * from './errors';
export {
  Ledger,
  LedgerMethod,
  type AssetRecordSource,
  type LedgerIdentity,
  type LedgerOptions,
  type LedgerTrust,
} from './ledger';
export type { UsageOwed } from './receipts';
export { rewardFormula, type LedgerLeaseRecord } from './receipt-trail';
export * from './rewards';
export type { WalletService } from './service';
export * from './state';
export * from './tx';
export * from './api';
