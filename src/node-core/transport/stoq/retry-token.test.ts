import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_LIFETIME_MS, RetryTokens } from './retry-token';

function clocked(start = 1_000_000) {
  const clock = { t: start };
  const tokens = new RetryTokens({ now: () => clock.t, lifetimeMs: 10_000 });
  return { clock, tokens };
}

describe('Retry tokens', () => {
  it('give back the original DCID to the address they were minted for', () => {
    const { tokens } = clocked();
    const odcid = randomBytes(20);
    const token = tokens.mint('::1', 4433, odcid);
    const check = tokens.verify(token, '::1', 4433);
    expect(check.ok).toBe(true);
    expect(check.ok && check.originalDcid.equals(odcid)).toBe(true);
    // Zero-length and short original DCIDs are legal in QUIC.
    for (const cid of [Buffer.alloc(0), randomBytes(8)]) {
      const c = tokens.verify(tokens.mint('10.0.0.1', 1, cid), '10.0.0.1', 1);
      expect(c.ok && c.originalDcid.equals(cid)).toBe(true);
    }
  });

  it('expire after their lifetime, and a token from the future is forged', () => {
    const { clock, tokens } = clocked();
    const token = tokens.mint('::1', 4433, randomBytes(20));
    clock.t += 10_000;
    expect(tokens.verify(token, '::1', 4433).ok).toBe(true);
    clock.t += 1;
    expect(tokens.verify(token, '::1', 4433)).toEqual({ ok: false, reason: 'expired' });
    clock.t -= 60_000; // minted "later" than now, by more than any clock step
    expect(tokens.verify(token, '::1', 4433)).toEqual({ ok: false, reason: 'forged' });
    expect(DEFAULT_TOKEN_LIFETIME_MS).toBeLessThanOrEqual(30_000);
  });

  it('are refused from another address or port, or under another key', () => {
    const { tokens } = clocked();
    const token = tokens.mint('2001:db8::7', 4433, randomBytes(20));
    expect(tokens.verify(token, '2001:db8::8', 4433)).toEqual({ ok: false, reason: 'forged' });
    expect(tokens.verify(token, '2001:db8::7', 4434)).toEqual({ ok: false, reason: 'forged' });
    expect(new RetryTokens().verify(token, '2001:db8::7', 4433)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuse every single-bit change and every truncation or extension', () => {
    const { tokens } = clocked();
    const token = tokens.mint('127.0.0.1', 5000, randomBytes(20));
    for (let i = 0; i < token.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(token);
        bad[i] = (bad[i] as number) ^ (1 << bit);
        const check = tokens.verify(bad, '127.0.0.1', 5000);
        expect(check.ok, `byte ${i} bit ${bit}`).toBe(false);
      }
    }
    for (let len = 0; len < token.length; len++) {
      expect(tokens.verify(token.subarray(0, len), '127.0.0.1', 5000).ok).toBe(false);
    }
    expect(tokens.verify(Buffer.concat([token, Buffer.alloc(1)]), '127.0.0.1', 5000)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(tokens.verify(Buffer.alloc(64), '127.0.0.1', 5000)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuse to mint for a connection id longer than QUIC allows, and a short key', () => {
    expect(() => new RetryTokens().mint('::1', 1, Buffer.alloc(21))).toThrow(RangeError);
    expect(() => new RetryTokens({ key: Buffer.alloc(8) })).toThrow(RangeError);
  });
});
