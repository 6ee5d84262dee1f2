import { createHash } from 'node:crypto';
import { formatAmount, parseAmount } from '../../shared/amount';
import { ErrorCode, HyperMeshError } from '../../shared/errors';
import type { SendRequest, StakeRequest } from '../../shared/ledger';
import type { Db } from '../store/index';

/** A requestId already used for a different request: nothing is done (the first request's transaction stands). */
export class IdempotencyConflictError extends HyperMeshError {
  constructor(requestId: string) {
    super(
      ErrorCode.IdempotencyConflict,
      `the request id ${requestId} was already used for a different request; nothing was sent (use a new id)`,
    );
  }
}

/** An idempotent wallet call: its requestId and the digest of what it asks for (the id itself left out). */
export interface IdempotentRequest {
  readonly requestId: string;
  readonly digest: string;
}

function digestOf(method: string, fields: readonly (readonly [string, string | number])[]): string {
  return createHash('sha256')
    .update(JSON.stringify([method, ...fields]))
    .digest('hex');
}

/** Amounts compare by value: "1.50" and "1.5" are the same request. */
const amountKey = (amount: string) => formatAmount(parseAmount(amount));

export function sendRequest(request: SendRequest): IdempotentRequest {
  return {
    requestId: request.requestId,
    digest: digestOf('sendTokens', [
      ['to', request.to],
      ['amount', amountKey(request.amount)],
      ['memo', request.memo ?? ''],
    ]),
  };
}

export function stakeRequest(request: StakeRequest): IdempotentRequest {
  return {
    requestId: request.requestId,
    digest: digestOf('lockStake', [
      ['amount', amountKey(request.amount)],
      ['lockDays', request.lockDays],
    ]),
  };
}

export function unlockRequest(requestId: string): IdempotentRequest {
  return { requestId, digest: digestOf('unlockStake', []) };
}

/**
 * The transaction an earlier call with this requestId made, if any: the same request gets it back (a retry is a
 * no-op); a different one is refused with IDEMPOTENCY_CONFLICT. Rows from before digests were kept match any request.
 */
export function earlierTx(db: Db, request: IdempotentRequest): string | undefined {
  const row = db.prepare('SELECT tx_id, request_digest FROM wallet_txs WHERE request_id = ?').get(request.requestId) as
    { tx_id: string; request_digest: string | null } | undefined;
  if (!row) return undefined;
  if (row.request_digest !== null && row.request_digest !== request.digest) {
    throw new IdempotencyConflictError(request.requestId);
  }
  return row.tx_id;
}
