import { createHash, createHmac, randomBytes } from 'node:crypto';
import { PROXY_PREFIX } from '../../shared/proxy';
import { ProxyError } from './errors';

/**
 * Proxy addresses (docs/proxy.md): 128 bits written as IPv6, in the unique-local block fd48:4d00::/32.
 *
 *   fd48:4d00 : CCCC:CCCC : FFFF:FFFF:FFFF : SSSS
 *   prefix      node coordinates  mapping fingerprint  shard index
 *   32 bits     32 bits           48 bits              16 bits
 *
 * - Node coordinates: for a consumer the provider may be known to, the first 32 bits of SHA-256 over the provider's
 *   NodeId (peers can route by it without a lookup); for an Anonymous consumer, 32 bits of an HMAC under the
 *   provider's secret key over the fingerprint, so the address says nothing of who holds it.
 * - Mapping fingerprint: 48 random bits, unique in the provider's table.
 * - Shard index: which shard of a pool this mapping holds (0 for an unsharded mapping).
 *
 * An address names a mapping, not a machine: the provider's translation table turns it into (asset, lease, offset,
 * length, permissions); the same lease can have several mappings, and a freed address is never reused.
 */
export interface ProxyAddressParts {
  readonly coordinates: number;
  /** 12 hex digits. */
  readonly fingerprint: string;
  readonly shard: number;
}

const PREFIX_GROUPS = PROXY_PREFIX.split(':');

export function nodeCoordinates(nodeId: string): number {
  return createHash('sha256').update('hypermesh/proxy/node/v1\0').update(nodeId).digest().readUInt32BE(0);
}

export function anonymousCoordinates(secret: Uint8Array, fingerprint: string): number {
  return createHmac('sha256', secret).update('hypermesh/proxy/anon/v1\0').update(fingerprint).digest().readUInt32BE(0);
}

export function newFingerprint(): string {
  return randomBytes(6).toString('hex');
}

export function formatProxyAddress(parts: ProxyAddressParts): string {
  if (!/^[0-9a-f]{12}$/.test(parts.fingerprint)) throw new RangeError('a fingerprint is 12 hex digits');
  if (!Number.isInteger(parts.shard) || parts.shard < 0 || parts.shard > 0xffff) throw new RangeError('bad shard');
  if (!Number.isInteger(parts.coordinates) || parts.coordinates < 0 || parts.coordinates > 0xffffffff) {
    throw new RangeError('bad coordinates');
  }
  const c = parts.coordinates.toString(16).padStart(8, '0');
  const f = parts.fingerprint;
  const groups = [
    ...PREFIX_GROUPS,
    c.slice(0, 4),
    c.slice(4),
    f.slice(0, 4),
    f.slice(4, 8),
    f.slice(8),
    parts.shard.toString(16).padStart(4, '0'),
  ];
  return groups.join(':');
}

/** Parses the full 8-group form (what formatProxyAddress writes; leading zeros optional, `::` refused). */
export function parseProxyAddress(text: unknown): ProxyAddressParts {
  if (typeof text !== 'string' || text.length > 64) throw new ProxyError('UNKNOWN_ADDRESS', 'a proxy address is text');
  const groups = text.toLowerCase().split(':');
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) {
    throw new ProxyError('UNKNOWN_ADDRESS', `${JSON.stringify(text)} is not a proxy address (8 groups of hex)`);
  }
  const full = groups.map((g) => g.padStart(4, '0'));
  if (full[0] !== PREFIX_GROUPS[0] || full[1] !== PREFIX_GROUPS[1]) {
    throw new ProxyError('UNKNOWN_ADDRESS', `${text} is outside ${PROXY_PREFIX}::/32`);
  }
  return {
    coordinates: parseInt(`${full[2]}${full[3]}`, 16),
    fingerprint: `${full[4]}${full[5]}${full[6]}`,
    shard: parseInt(full[7] as string, 16),
  };
}

/** The canonical text of an address (lowercase, four digits a group). */
export function canonicalProxyAddress(text: string): string {
  return formatProxyAddress(parseProxyAddress(text));
}

/** The canonical text, or undefined for text that is no proxy address (a lookup by it finds nothing). */
export function canonicalOrUndefined(text: string): string | undefined {
  try {
    return canonicalProxyAddress(text);
  } catch {
    return undefined;
  }
}

/** The same mapping's address for another shard. */
export function withShard(address: string, shard: number): string {
  return formatProxyAddress({ ...parseProxyAddress(address), shard });
}
