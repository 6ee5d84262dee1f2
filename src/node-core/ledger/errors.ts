import { ErrorCode, HyperMeshError } from '../../shared/errors';
import { reasonedError } from '../errors';

/** Why a transaction or block was refused; stable, for logs, tests and the trust score. */
export type LedgerRejection =
  | 'encoding'
  | 'signature'
  | 'signer'
  | 'nonce'
  | 'balance'
  | 'amount'
  | 'duplicate'
  | 'receipt'
  | 'stake'
  | 'record'
  | 'block.parent'
  | 'block.slot'
  | 'block.time'
  | 'block.producer'
  | 'block.root'
  | 'block.proof'
  | 'block.size'
  | 'genesis';

/** A HyperMeshError base class whose every instance carries `code` (the wallet's refusals differ only in it). */
function withCode(code: ErrorCode): new (message: string) => HyperMeshError {
  return class extends HyperMeshError {
    constructor(message: string) {
      super(code, message);
    }
  };
}

/** A transaction or block broke a ledger rule. `reason` names the rule; the message says how. */
export class LedgerRuleError extends reasonedError<LedgerRejection>(ErrorCode.LedgerRejected) {}

export class LedgerUnavailableError extends withCode(ErrorCode.LedgerUnavailable) {}

export class InsufficientBalanceError extends withCode(ErrorCode.InsufficientBalance) {}

export class UnknownRecipientError extends withCode(ErrorCode.UnknownRecipient) {}

export class PeerOfflineError extends withCode(ErrorCode.PeerOffline) {}

export class StakeLockedError extends withCode(ErrorCode.StakeLocked) {}
