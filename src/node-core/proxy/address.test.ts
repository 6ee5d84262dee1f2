import { describe, expect, it } from 'vitest';
import {
  anonymousCoordinates,
  canonicalProxyAddress,
  formatProxyAddress,
  newFingerprint,
  nodeCoordinates,
  parseProxyAddress,
  withShard,
} from './address';

describe('proxy addresses', () => {
  it('lay out prefix, node coordinates, fingerprint and shard in fd48:4d00::/32, and parse back', () => {
    const parts = { coordinates: 0x1a2b3c4d, fingerprint: '5e6f708192a3', shard: 7 };
    const text = formatProxyAddress(parts);
    expect(text).toBe('fd48:4d00:1a2b:3c4d:5e6f:7081:92a3:0007');
    expect(parseProxyAddress(text)).toEqual(parts);
    expect(parseProxyAddress('FD48:4D00:1A2B:3C4D:5E6F:7081:92A3:7')).toEqual(parts);
    expect(canonicalProxyAddress('fd48:4d00:1a2b:3c4d:5e6f:7081:92a3:7')).toBe(text);
    expect(withShard(text, 2)).toBe('fd48:4d00:1a2b:3c4d:5e6f:7081:92a3:0002');
  });

  it('refuses addresses outside the block, short forms and garbage', () => {
    for (const bad of [
      'fd48:4d01:0:0:0:0:0:1',
      'fd48:4d00::1',
      '2001:db8:0:0:0:0:0:1',
      'fd48:4d00:1:2:3:4:5:6:7',
      '',
      'x',
      42,
    ]) {
      expect(() => parseProxyAddress(bad)).toThrow(/UNKNOWN_ADDRESS/);
    }
  });

  it('names a node by a hash of its NodeId, and an anonymous mapping by nothing linkable', () => {
    const a = nodeCoordinates('a'.repeat(52));
    expect(nodeCoordinates('a'.repeat(52))).toBe(a);
    expect(nodeCoordinates('b'.repeat(52))).not.toBe(a);
    const secret = new Uint8Array(32).fill(9);
    const f1 = newFingerprint();
    const f2 = newFingerprint();
    expect(f1).toMatch(/^[0-9a-f]{12}$/);
    expect(f1).not.toBe(f2);
    // Two anonymous mappings of one provider share no coordinates, and neither is the provider's.
    expect(anonymousCoordinates(secret, f1)).not.toBe(anonymousCoordinates(secret, f2));
    expect([anonymousCoordinates(secret, f1), anonymousCoordinates(secret, f2)]).not.toContain(a);
  });
});
