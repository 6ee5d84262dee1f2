import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdentityCorruptError } from '../errors';
import { useTempDirs } from '../testing/temp-dir';
import { base32 } from './base32';
import { IDENTITY_FILE, loadOrCreateIdentity, shortNodeId } from './identity';

const tempDir = useTempDirs();

describe('node identity', () => {
  it('is created once, private, and the same after a restart', () => {
    const dir = tempDir();
    const first = loadOrCreateIdentity(dir);
    const file = join(dir, IDENTITY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.nodeId).toMatch(/^[a-z2-7]{52}$/);
    expect(first.nodeIdShort).toBe(shortNodeId(first.nodeId));
    expect(first.nodeIdShort).toMatch(/^hm-[a-z2-7]{4}-[a-z2-7]{4}$/);
    const again = loadOrCreateIdentity(dir);
    expect(again.nodeId).toBe(first.nodeId);
    expect(loadOrCreateIdentity(tempDir()).nodeId).not.toBe(first.nodeId);
  });

  it('signs with ML-DSA-65 and verifies only the signed message', () => {
    const id = loadOrCreateIdentity(tempDir());
    const msg = new TextEncoder().encode('hello mesh');
    const sig = id.sign(msg);
    expect(id.mldsaPublicKey.length).toBe(1952);
    expect(id.verify(sig, msg)).toBe(true);
    expect(id.verify(sig, new TextEncoder().encode('hello mash'))).toBe(false);
  });

  it('never puts secrets in JSON', () => {
    const id = loadOrCreateIdentity(tempDir());
    expect(JSON.stringify(id)).toBe(JSON.stringify({ nodeId: id.nodeId }));
    expect(JSON.stringify({ ...id })).not.toMatch(/PRIVATE KEY|Seed/i);
  });

  it('refuses an unreadable identity file and leaves it untouched', () => {
    for (const content of ['not json', '{"version":2}', '{"version":1,"mldsa65Seed":"AAAA","p256PrivateKey":"x"}']) {
      const dir = tempDir();
      writeFileSync(join(dir, IDENTITY_FILE), content);
      expect(() => loadOrCreateIdentity(dir)).toThrow(IdentityCorruptError);
      expect(readFileSync(join(dir, IDENTITY_FILE), 'utf8')).toBe(content);
    }
  });

  it('tightens loose permissions on load', () => {
    const dir = tempDir();
    loadOrCreateIdentity(dir);
    chmodSync(join(dir, IDENTITY_FILE), 0o644);
    loadOrCreateIdentity(dir);
    expect(statSync(join(dir, IDENTITY_FILE)).mode & 0o777).toBe(0o600);
  });
});

describe('base32', () => {
  it('matches RFC 4648 test vectors (lowercase, unpadded)', () => {
    const enc = (s: string) => base32(new TextEncoder().encode(s));
    expect(enc('')).toBe('');
    expect(enc('f')).toBe('my');
    expect(enc('foob')).toBe('mzxw6yq');
    expect(enc('foobar')).toBe('mzxw6ytboi');
  });
});
