import { ErrorCode, HyperMeshError } from '../../shared/errors';

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

/** A transaction or block broke a ledger rule. `reason` names the rule; the message says how. */
export class LedgerRuleError extends HyperMeshError {
  constructor(
    override readonly reason: LedgerRejection,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.LedgerRejected, `${reason}: ${message}`, options);
  }
}

export class LedgerUnavailableError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.LedgerUnavailable, message);
  }
}

export class InsufficientBalanceError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.InsufficientBalance, message);
  }
}

export class UnknownRecipientError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.UnknownRecipient, message);
  }
}

export class PeerOfflineError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.PeerOffline, message);
  }
}

export class StakeLockedError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.StakeLocked, message);
  }
}
