import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors';
import { closeDatabase, openDatabase } from '../store/database';
import { useTempDirs } from '../testing/temp-dir';
import { earlierTx, sendRequest, stakeRequest, unlockRequest, type IdempotentRequest } from './idempotency';

const tempDir = useTempDirs();
const TO = 'a'.repeat(52);

/** A wallet_txs row as the ledger writes it for an idempotent call (a real SQLite file at the latest schema). */
function withTx(request: IdempotentRequest | { requestId: string; digest: null }) {
  const db = openDatabase(join(tempDir(), 'wallet.db'));
  db.prepare(
    `INSERT INTO wallet_txs (tx_id, request_id, request_digest, kind, nonce, body, status, reason, created_at)
     VALUES ('tx1', ?, ?, 'transfer', 1, x'00', 'pending', NULL, 0)`,
  ).run(request.requestId, request.digest);
  return db;
}

describe('idempotent wallet calls', () => {
  it('the same requestId and the same request give the first transaction back', () => {
    const db = withTx(sendRequest({ to: TO, amount: '1.5', memo: 'rent', requestId: 'r1' }));
    expect(earlierTx(db, sendRequest({ to: TO, amount: '1.5', memo: 'rent', requestId: 'r1' }))).toBe('tx1');
    // The same amount written another way is the same request.
    expect(earlierTx(db, sendRequest({ to: TO, amount: '1.50', memo: 'rent', requestId: 'r1' }))).toBe('tx1');
    expect(earlierTx(db, sendRequest({ to: TO, amount: '1.5', memo: 'rent', requestId: 'r2' }))).toBeUndefined();
    closeDatabase(db);
  });

  it('the same requestId with another amount, recipient, memo or call is refused with IDEMPOTENCY_CONFLICT', () => {
    const db = withTx(sendRequest({ to: TO, amount: '1.5', requestId: 'r1' }));
    const conflict = { code: ErrorCode.IdempotencyConflict };
    expect(() => earlierTx(db, sendRequest({ to: TO, amount: '2', requestId: 'r1' }))).toThrow(
      expect.objectContaining(conflict),
    );
    expect(() => earlierTx(db, sendRequest({ to: 'b'.repeat(52), amount: '1.5', requestId: 'r1' }))).toThrow(
      expect.objectContaining(conflict),
    );
    expect(() => earlierTx(db, sendRequest({ to: TO, amount: '1.5', memo: 'x', requestId: 'r1' }))).toThrow(
      expect.objectContaining(conflict),
    );
    expect(() => earlierTx(db, stakeRequest({ amount: '1.5', lockDays: 30, requestId: 'r1' }))).toThrow(
      expect.objectContaining(conflict),
    );
    expect(() => earlierTx(db, unlockRequest('r1'))).toThrow(/already used for a different request/);
    closeDatabase(db);
  });

  it('stake requests differ by amount and lock; unlocks by id alone', () => {
    const a = stakeRequest({ amount: '10', lockDays: 30, requestId: 's' });
    expect(stakeRequest({ amount: '10.0', lockDays: 30, requestId: 's' }).digest).toBe(a.digest);
    expect(stakeRequest({ amount: '10', lockDays: 31, requestId: 's' }).digest).not.toBe(a.digest);
    expect(stakeRequest({ amount: '11', lockDays: 30, requestId: 's' }).digest).not.toBe(a.digest);
    expect(unlockRequest('u').digest).toBe(unlockRequest('v').digest);
  });

  it('a row from before digests were kept (NULL) matches any request: retries still work after an upgrade', () => {
    const db = withTx({ requestId: 'old', digest: null });
    expect(earlierTx(db, sendRequest({ to: TO, amount: '3', requestId: 'old' }))).toBe('tx1');
    closeDatabase(db);
  });
});
