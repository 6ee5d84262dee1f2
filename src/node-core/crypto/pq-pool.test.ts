import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createPqWorkerPool, verifyNow } from './pq-pool';

const pool = createPqWorkerPool(2);
afterAll(() => pool.close());

describe('post-quantum signing pool', () => {
  it('signs in worker threads; the signatures verify and concurrent tasks do not mix up', async () => {
    const keys = ml_dsa65.keygen();
    const messages = Array.from({ length: 6 }, (_, i) => Buffer.from(`message ${i}`));
    const sigs = await Promise.all(messages.map((m) => pool.sign('ml-dsa-65', m, keys.secretKey)));
    sigs.forEach((sig, i) => {
      expect(verifyNow('ml-dsa-65', sig, messages[i]!, keys.publicKey)).toBe(true);
      expect(verifyNow('ml-dsa-65', sig, messages[(i + 1) % 6]!, keys.publicKey)).toBe(false);
    });
  });

  it('reports a bad key as a rejected task, and keeps working', async () => {
    await expect(pool.sign('ml-dsa-65', Buffer.from('x'), new Uint8Array(3))).rejects.toThrow(
      /post-quantum signing failed/,
    );
    const keys = ml_dsa65.keygen();
    const sig = await pool.sign('ml-dsa-65', Buffer.from('y'), keys.secretKey);
    expect(verifyNow('ml-dsa-65', sig, Buffer.from('y'), keys.publicKey)).toBe(true);
  });

  it('verifies in worker threads: a good signature holds, a wrong message, key or malformed input does not', async () => {
    const keys = ml_dsa65.keygen();
    const other = ml_dsa65.keygen();
    const message = Buffer.from('announcement');
    const sig = ml_dsa65.sign(message, keys.secretKey);
    const checks = await Promise.all([
      pool.verify('ml-dsa-65', sig, message, keys.publicKey),
      pool.verify('ml-dsa-65', sig, Buffer.from('announcement!'), keys.publicKey),
      pool.verify('ml-dsa-65', sig, message, other.publicKey),
      pool.verify('ml-dsa-65', sig.subarray(1), message, keys.publicKey),
      pool.verify('falcon-1024', new Uint8Array(10), message, new Uint8Array(10)),
    ]);
    expect(checks).toEqual([true, false, false, false, false]);
    // The caller's buffers are untouched (copied, not transferred).
    expect(sig.length).toBe(ml_dsa65.sign(message, keys.secretKey).length);
  });

  it('treats malformed verification input as a failed check, not a crash', () => {
    expect(verifyNow('falcon-1024', new Uint8Array(10), Buffer.from('x'), new Uint8Array(10))).toBe(false);
  });
});
