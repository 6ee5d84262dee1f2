import { createHash } from 'node:crypto';
import {
  ALLOCATION_TYPES,
  PRIVACY_LEVELS,
  PROOF_KINDS,
  RESOURCE_KINDS,
  parseServiceAddress,
  type AllocationType,
  type PrivacyLevel,
  type ProofKind,
  type ResourceKind,
} from '../../shared/settings';
import type { GpuDeviceView } from '../../shared/mesh';
import { isPlainObject } from '../../shared/validate';
import { canonicalGpuDevice, parseGpuDevice } from './gpu-device';
import { isAssetId, parseAssetId } from '../assets/index';
import { decodeJsonBody, encodeJsonBody } from '../transport/index';

/** Largest announcement accepted from the mesh (a certificate chain and an ML-DSA signature fit easily). */
export const MAX_ANNOUNCEMENT_BYTES = 64 * 1024;
/** An announcement lives at most this long; owners re-announce well before. */
export const MAX_ANNOUNCEMENT_TTL_MS = 10 * 60_000;
/** Clock difference tolerated between nodes. */
export const CLOCK_SKEW_MS = 60_000;
const MAX_ASSETS = 16;
/** Node certificate, intermediates and root at most. */
const MAX_CHAIN_CERTIFICATES = 4;
const MAX_ADDRESSES = 8;
const SIGNING_CONTEXT = 'hypermesh/mesh/announcement/v1\0';
const PRICE = /^(0|[1-9]\d{0,11})(\.\d{1,8})?$/;

export interface AnnouncedAsset {
  readonly assetId: string;
  readonly kind: ResourceKind;
  readonly capacity: { readonly unit: 'slots' | 'bytes' | 'bits/s'; readonly total: number; readonly allowed: number };
  readonly privacyLevel: PrivacyLevel;
  readonly allocationType: AllocationType;
  readonly pricePerHour: string;
  readonly requiredProofs: Readonly<Record<ProofKind, boolean>>;
  /** A GPU asset offered for WGSL jobs: its adapter (absent otherwise, and in announcements from older nodes). */
  readonly device?: GpuDeviceView;
}

/** What a node announces about itself and its shared assets; signed with its ML-DSA key. */
export interface AnnouncementBody {
  readonly v: 1;
  readonly nodeId: string;
  readonly peerId: string;
  /** STOQ addresses, `host:port`. */
  readonly addresses: readonly string[];
  /** Strictly increasing per node (a replayed or stale announcement has a lower one). */
  readonly seq: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly assets: readonly AnnouncedAsset[];
}

export interface SignedAnnouncement {
  readonly body: AnnouncementBody;
  /** The owner's TrustChain certificate chain, DER. */
  readonly chain: readonly Uint8Array[];
  readonly signature: Uint8Array;
}

/**
 * An announcement as it arrives: with the owner's chain inline, or (the compact form nodes send) with only the
 * chain's SHA-256, which the receiver looks up among the chains it holds or asks the peer that passed it on for.
 * The signature covers the body alone, and the chain is checked the same way whichever form carried it.
 */
export interface ReceivedAnnouncement {
  readonly body: AnnouncementBody;
  /** SHA-256 of the owner's chain, hex: carried, or computed from the inline chain. */
  readonly chainRef: string;
  /** The chain, when it came inline. */
  readonly chain: readonly Uint8Array[] | null;
  readonly signature: Uint8Array;
}

export class AnnouncementError extends Error {
  override readonly name = 'AnnouncementError';
}

/** The exact bytes signed: rebuilt field by field in a fixed order, so parsing never decides what was signed. */
export function signingInput(body: AnnouncementBody): Uint8Array {
  const canonical = {
    v: body.v,
    nodeId: body.nodeId,
    peerId: body.peerId,
    addresses: body.addresses,
    seq: body.seq,
    issuedAt: body.issuedAt,
    expiresAt: body.expiresAt,
    assets: body.assets.map((a) => ({
      assetId: a.assetId,
      kind: a.kind,
      capacity: { unit: a.capacity.unit, total: a.capacity.total, allowed: a.capacity.allowed },
      privacyLevel: a.privacyLevel,
      allocationType: a.allocationType,
      pricePerHour: a.pricePerHour,
      requiredProofs: Object.fromEntries(PROOF_KINDS.map((k) => [k, a.requiredProofs[k]])),
      // Only when present, so an asset without one signs the same bytes as before the field existed.
      ...(a.device ? { device: canonicalGpuDevice(a.device) } : {}),
    })),
  };
  return new TextEncoder().encode(SIGNING_CONTEXT + JSON.stringify(canonical));
}

export function encodeAnnouncement(a: SignedAnnouncement): Uint8Array {
  const json = JSON.stringify({
    body: a.body,
    chain: a.chain.map((c) => Buffer.from(c).toString('base64')),
    signature: Buffer.from(a.signature).toString('base64'),
  });
  return new TextEncoder().encode(json);
}

/**
 * The compact form: the chain replaced by its digest. Certificates are most of an announcement (~20 of ~26 KB with
 * ML-DSA keys and signatures), and every peer would otherwise receive the same chain again with each announcement.
 */
export function encodeCompactAnnouncement(a: { body: AnnouncementBody; chainRef: string; signature: Uint8Array }) {
  const json = JSON.stringify({
    body: a.body,
    chainRef: a.chainRef,
    signature: Buffer.from(a.signature).toString('base64'),
  });
  return new TextEncoder().encode(json);
}

/** SHA-256 of a chain: the compact form's reference to it, and the key of its cached verification. */
export function chainDigest(chain: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chain) h.update(c);
  return h.digest('hex');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DIGEST = /^[0-9a-f]{64}$/;

/**
 * Parses an announcement from the wire, checking its shape and every field (signature and chain are checked by
 * the caller, which holds the TrustChain verifier). Throws AnnouncementError saying what is wrong.
 */
export function decodeAnnouncement(bytes: Uint8Array, now: number): ReceivedAnnouncement {
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES) {
    throw new AnnouncementError(`announcement of ${bytes.length} bytes exceeds ${MAX_ANNOUNCEMENT_BYTES}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new AnnouncementError('announcement is not JSON');
  }
  const fail = (what: string): never => {
    throw new AnnouncementError(`announcement ${what}`);
  };
  if (!isPlainObject(raw) || !isPlainObject(raw.body)) return fail('has no body');
  const { body } = raw;
  let chain: Uint8Array[] | null = null;
  let chainRef: string;
  if (raw.chain !== undefined) {
    if (raw.chainRef !== undefined) fail('carries both a chain and a chain reference');
    if (!Array.isArray(raw.chain) || raw.chain.length < 1 || raw.chain.length > MAX_CHAIN_CERTIFICATES)
      fail(`chain must hold 1–${MAX_CHAIN_CERTIFICATES} certificates`);
    chain = (raw.chain as unknown[]).map((c) =>
      typeof c === 'string' && BASE64.test(c) ? new Uint8Array(Buffer.from(c, 'base64')) : fail('chain is not base64'),
    );
    chainRef = chainDigest(chain);
  } else {
    if (typeof raw.chainRef !== 'string' || !DIGEST.test(raw.chainRef)) {
      fail('needs a chain or a chain reference (SHA-256, hex)');
    }
    chainRef = raw.chainRef as string;
  }
  if (typeof raw.signature !== 'string' || !BASE64.test(raw.signature)) fail('signature is not base64');
  const signature = new Uint8Array(Buffer.from(raw.signature as string, 'base64'));
  if (body.v !== 1) fail(`version ${String(body.v)} is unknown`);
  if (typeof body.nodeId !== 'string' || body.nodeId.length < 16 || body.nodeId.length > 128) fail('nodeId is invalid');
  if (typeof body.peerId !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]{40,64}$/.test(body.peerId)) fail('peerId is invalid');
  if (
    !Array.isArray(body.addresses) ||
    body.addresses.length > MAX_ADDRESSES ||
    !body.addresses.every((a) => typeof a === 'string' && a.length <= 300 && parseServiceAddress(a) !== null)
  ) {
    fail('addresses are invalid');
  }
  for (const key of ['seq', 'issuedAt', 'expiresAt'] as const) {
    if (!Number.isSafeInteger(body[key]) || (body[key] as number) < 0) fail(`${key} must be a non-negative integer`);
  }
  const issuedAt = body.issuedAt as number;
  const expiresAt = body.expiresAt as number;
  if (issuedAt > now + CLOCK_SKEW_MS) fail('is issued in the future');
  if (expiresAt <= now) fail('has expired');
  if (expiresAt <= issuedAt || expiresAt - issuedAt > MAX_ANNOUNCEMENT_TTL_MS) fail('lifetime is out of range');
  if (!Array.isArray(body.assets) || body.assets.length > MAX_ASSETS) fail(`must list at most ${MAX_ASSETS} assets`);
  const nodeId = body.nodeId as string;
  const assets = (body.assets as unknown[]).map((a, i) => parseAsset(a, nodeId, (w) => fail(`asset ${i} ${w}`)));
  return {
    body: {
      v: 1,
      nodeId,
      peerId: body.peerId as string,
      addresses: body.addresses as string[],
      seq: body.seq as number,
      issuedAt,
      expiresAt,
      assets,
    },
    chainRef,
    chain,
    signature,
  };
}

function parseAsset(a: unknown, owner: string, fail: (what: string) => never): AnnouncedAsset {
  if (!isPlainObject(a)) return fail('is not an object');
  if (typeof a.assetId !== 'string' || !isAssetId(a.assetId)) return fail('has no valid AssetId');
  const parts = parseAssetId(a.assetId);
  if (parts.owner !== owner) fail("has an AssetId of another node's asset");
  if (!RESOURCE_KINDS.includes(a.kind as ResourceKind) || a.kind !== parts.kind)
    fail('kind does not match its AssetId');
  const cap = a.capacity;
  if (
    !isPlainObject(cap) ||
    !['slots', 'bytes', 'bits/s'].includes(cap.unit as string) ||
    !Number.isSafeInteger(cap.total) ||
    !Number.isSafeInteger(cap.allowed) ||
    (cap.allowed as number) < 0 ||
    (cap.allowed as number) > (cap.total as number)
  ) {
    fail('capacity is invalid');
  }
  if (!PRIVACY_LEVELS.includes(a.privacyLevel as PrivacyLevel) || a.privacyLevel === 'Private') {
    fail('privacy level is not announceable');
  }
  if (!ALLOCATION_TYPES.includes(a.allocationType as AllocationType) || a.allocationType === 'Anonymous') {
    fail('allocation type is not announceable under a NodeId');
  }
  if (typeof a.pricePerHour !== 'string' || !PRICE.test(a.pricePerHour)) fail('price is invalid');
  const proofs = a.requiredProofs;
  if (!isPlainObject(proofs) || !PROOF_KINDS.every((k) => typeof proofs[k] === 'boolean')) {
    fail('required proofs are invalid');
  }
  let device: GpuDeviceView | undefined;
  if (a.device !== undefined) {
    if (a.kind !== 'gpu') fail('carries a device but is not a GPU');
    try {
      device = parseGpuDevice(a.device);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  const c = cap;
  const p = proofs as Record<string, boolean>;
  return {
    assetId: a.assetId,
    kind: a.kind as ResourceKind,
    capacity: { unit: c.unit as 'slots' | 'bytes' | 'bits/s', total: c.total as number, allowed: c.allowed as number },
    privacyLevel: a.privacyLevel as PrivacyLevel,
    allocationType: a.allocationType as AllocationType,
    pricePerHour: a.pricePerHour,
    requiredProofs: { space: !!p.space, stake: !!p.stake, work: !!p.work, time: !!p.time },
    ...(device ? { device } : {}),
  };
}

/** A decimal Caesar amount (up to 8 decimals) in base units, to compare prices without floating point. */
export function priceUnits(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.split('.');
  return BigInt(whole) * 100_000_000n + BigInt(fraction.padEnd(8, '0') || '0');
}

/** A JSON request body (sync, chains: the replies are binary), decoded as every typed STOQ call decodes it. */
function jsonRequest(bytes: Uint8Array, what: string): unknown {
  const decoded = decodeJsonBody(bytes);
  if (!decoded) throw new AnnouncementError(`${what} is not JSON`);
  return decoded.value;
}

// ---- sync: the announcements two peers exchange directly when they connect ----

/** Most announcement bytes one sync answer carries (a few announcements); the asker asks again for the rest. */
export const MAX_SYNC_ANSWER_BYTES = 128 * 1024;
/** Most owners a sync request may list as already held. */
export const MAX_SYNC_HAVE = 4096;

/** What the asking node already holds: the newest `seq` per owner, so the answer carries only what is newer. */
export type SyncHave = ReadonlyMap<string, number>;

export function encodeSyncRequest(have: SyncHave): Uint8Array {
  return encodeJsonBody({ have: Object.fromEntries(have) });
}

/** Parses a sync request; throws AnnouncementError on anything but `{ have: { nodeId: seq } }` within limits. */
export function decodeSyncRequest(bytes: Uint8Array): SyncHave {
  const raw = jsonRequest(bytes, 'sync request');
  if (!isPlainObject(raw) || !isPlainObject(raw.have)) throw new AnnouncementError('sync request has no `have`');
  const entries = Object.entries(raw.have);
  if (entries.length > MAX_SYNC_HAVE) throw new AnnouncementError(`sync request lists over ${MAX_SYNC_HAVE} owners`);
  const have = new Map<string, number>();
  for (const [nodeId, seq] of entries) {
    if (nodeId.length > 128 || !Number.isSafeInteger(seq) || (seq as number) < 0) {
      throw new AnnouncementError('sync request has an invalid entry');
    }
    have.set(nodeId, seq as number);
  }
  return have;
}

/** A sync answer: a flag saying more is left, then each signed announcement as it travels in gossip, length-prefixed. */
export function encodeSyncAnswer(announcements: readonly Uint8Array[], more: boolean): Uint8Array {
  const size = 1 + announcements.reduce((n, a) => n + 4 + a.length, 0);
  const out = Buffer.alloc(size);
  out[0] = more ? 1 : 0;
  let at = 1;
  for (const a of announcements) {
    out.writeUInt32BE(a.length, at);
    out.set(a, at + 4);
    at += 4 + a.length;
  }
  return out;
}

export function decodeSyncAnswer(bytes: Uint8Array): { announcements: Uint8Array[]; more: boolean } {
  if (bytes.length < 1 || bytes.length > MAX_SYNC_ANSWER_BYTES + MAX_ANNOUNCEMENT_BYTES + 1024) {
    throw new AnnouncementError(`sync answer of ${bytes.length} bytes is out of range`);
  }
  const flag = bytes[0];
  if (flag !== 0 && flag !== 1) throw new AnnouncementError('sync answer has an invalid flag');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const announcements: Uint8Array[] = [];
  let at = 1;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new AnnouncementError('sync answer is truncated');
    const length = view.getUint32(at);
    if (length === 0 || length > MAX_ANNOUNCEMENT_BYTES || at + 4 + length > bytes.length) {
      throw new AnnouncementError('sync answer has an announcement of an invalid length');
    }
    announcements.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return { announcements, more: flag === 1 };
}

// ---- chains: what a peer holding an announcement in compact form asks its sender for ----

/** Most chains one request may ask for (a sync answer references at most a few dozen). */
export const MAX_CHAIN_REQUEST = 64;
/** Largest certificate accepted in a chain answer (an ML-DSA-87 certificate is about 7.5 KB). */
const MAX_CERTIFICATE_BYTES = 32 * 1024;

export function encodeChainRequest(digests: readonly string[]): Uint8Array {
  return encodeJsonBody({ chains: digests });
}

/** Parses a chain request; throws AnnouncementError on anything but `{ chains: [sha256 hex, …] }` within limits. */
export function decodeChainRequest(bytes: Uint8Array): string[] {
  const raw = jsonRequest(bytes, 'chain request');
  if (!isPlainObject(raw) || !Array.isArray(raw.chains)) throw new AnnouncementError('chain request has no `chains`');
  const digests = raw.chains as unknown[];
  if (digests.length < 1 || digests.length > MAX_CHAIN_REQUEST) {
    throw new AnnouncementError(`chain request must ask for 1–${MAX_CHAIN_REQUEST} chains`);
  }
  if (!digests.every((d): d is string => typeof d === 'string' && DIGEST.test(d))) {
    throw new AnnouncementError('chain request has an invalid digest');
  }
  return [...new Set(digests)];
}

/** The chains found, each as a count of certificates followed by each certificate, length-prefixed. */
export function encodeChainAnswer(chains: readonly (readonly Uint8Array[])[]): Uint8Array {
  const size = 1 + chains.reduce((n, chain) => n + 1 + chain.reduce((m, c) => m + 4 + c.length, 0), 0);
  const out = Buffer.alloc(size);
  out[0] = chains.length;
  let at = 1;
  for (const chain of chains) {
    out[at++] = chain.length;
    for (const c of chain) {
      out.writeUInt32BE(c.length, at);
      out.set(c, at + 4);
      at += 4 + c.length;
    }
  }
  return out;
}

/** Parses a chain answer into chains keyed by their digest (the asker keeps only those it asked for). */
export function decodeChainAnswer(bytes: Uint8Array): Map<string, Uint8Array[]> {
  const fail = (what: string): never => {
    throw new AnnouncementError(`chain answer ${what}`);
  };
  if (bytes.length < 1) fail('is empty');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes[0] ?? 0;
  if (count > MAX_CHAIN_REQUEST) fail(`holds over ${MAX_CHAIN_REQUEST} chains`);
  const chains = new Map<string, Uint8Array[]>();
  let at = 1;
  for (let i = 0; i < count; i++) {
    const certificates = bytes[at++] ?? 0;
    if (certificates < 1 || certificates > MAX_CHAIN_CERTIFICATES) fail('has a chain of an invalid length');
    const chain: Uint8Array[] = [];
    for (let k = 0; k < certificates; k++) {
      if (at + 4 > bytes.length) fail('is truncated');
      const length = view.getUint32(at);
      if (length === 0 || length > MAX_CERTIFICATE_BYTES || at + 4 + length > bytes.length) {
        fail('has a certificate of an invalid length');
      }
      chain.push(Uint8Array.from(bytes.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    chains.set(chainDigest(chain), chain);
  }
  if (at !== bytes.length) fail('has trailing bytes');
  return chains;
}
