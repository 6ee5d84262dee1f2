import type { ProxyPermission } from '../../shared/proxy';
import { ProxyError } from './errors';

/**
 * The provider's translation table entry: what one proxy address stands for. Pure checks only (no I/O): every access
 * goes through `checkAccess` before the memory adapter is touched.
 */
export interface ProxyMapping {
  readonly address: string;
  /** The consumer's NodeId (STOQ proved it); shown to the user only when the consumer is not anonymous. */
  readonly consumer: string;
  readonly anonymous: boolean;
  readonly assetId: string;
  readonly leaseId: string;
  /** Where the mapping starts inside the lease, and how long it is (bytes). */
  readonly offset: number;
  readonly length: number;
  readonly permissions: ProxyPermission;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly state: 'active' | 'revoked' | 'freed';
}

export type ProxyOperation = 'read' | 'write' | 'free';

/** Largest single read or write on the wire (below STOQ's 1 MiB frame with room for the header). */
export const PROXY_IO_MAX_BYTES = 960 * 1024;

/**
 * Refuses anything but an access by the mapping's consumer, while the mapping is active and unexpired, with the
 * permission the operation needs, entirely inside the mapping. The codes say which rule failed.
 */
export function checkAccess(
  mapping: ProxyMapping | undefined,
  access: {
    readonly op: ProxyOperation;
    readonly caller: string;
    readonly offset: number;
    readonly length: number;
    readonly now: number;
  },
): ProxyMapping {
  if (!mapping) throw new ProxyError('UNKNOWN_ADDRESS', 'no mapping has this address here');
  if (mapping.consumer !== access.caller) throw new ProxyError('NOT_YOURS', 'the mapping belongs to another consumer');
  if (mapping.state === 'freed') throw new ProxyError('FREED', 'the mapping was freed');
  if (mapping.state === 'revoked') throw new ProxyError('REVOKED', 'the provider revoked the mapping');
  if (access.now >= mapping.expiresAt)
    throw new ProxyError('EXPIRED', `the mapping expired at ${new Date(mapping.expiresAt).toISOString()}`);
  if (access.op === 'write' && mapping.permissions !== 'rw')
    throw new ProxyError('PERMISSION', 'the mapping is read-only');
  if (access.op === 'free') return mapping;
  const { offset, length } = access;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ProxyError('OUT_OF_BOUNDS', 'offset and length are whole, non-negative numbers');
  }
  if (length > PROXY_IO_MAX_BYTES) throw new ProxyError('OUT_OF_BOUNDS', `at most ${PROXY_IO_MAX_BYTES} bytes at once`);
  if (offset + length > mapping.length) {
    throw new ProxyError(
      'OUT_OF_BOUNDS',
      `bytes ${offset}–${offset + length} are outside the mapping's ${mapping.length}`,
    );
  }
  return mapping;
}
