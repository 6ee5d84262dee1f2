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
import { isPlainObject } from '../../shared/validate';
import { isAssetId, parseAssetId } from '../assets/asset-id';

/** Largest announcement accepted from the mesh (a certificate chain and an ML-DSA signature fit easily). */
export const MAX_ANNOUNCEMENT_BYTES = 64 * 1024;
/** An announcement lives at most this long; owners re-announce well before. */
export const MAX_ANNOUNCEMENT_TTL_MS = 10 * 60_000;
/** Clock difference tolerated between nodes. */
export const CLOCK_SKEW_MS = 60_000;
const MAX_ASSETS = 16;
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

/** SHA-256 of a chain, to cache its verification. */
export function chainDigest(chain: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chain) h.update(c);
  return h.digest('hex');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses an announcement from the wire, checking its shape and every field (signature and chain are checked by
 * the caller, which holds the TrustChain verifier). Throws AnnouncementError saying what is wrong.
 */
export function decodeAnnouncement(bytes: Uint8Array, now: number): SignedAnnouncement {
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
  if (!Array.isArray(raw.chain) || raw.chain.length < 1 || raw.chain.length > 4)
    fail('chain must hold 1–4 certificates');
  const chain = (raw.chain as unknown[]).map((c) =>
    typeof c === 'string' && BASE64.test(c) ? new Uint8Array(Buffer.from(c, 'base64')) : fail('chain is not base64'),
  );
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
  };
}

/** A decimal Caesar amount (up to 8 decimals) in base units, to compare prices without floating point. */
export function priceUnits(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.split('.');
  return BigInt(whole) * 100_000_000n + BigInt(fraction.padEnd(8, '0') || '0');
}

// ---- sync: the announcements two peers exchange directly when they connect ----

/** Most announcement bytes one sync answer carries (a few announcements); the asker asks again for the rest. */
export const MAX_SYNC_ANSWER_BYTES = 128 * 1024;
/** Most owners a sync request may list as already held. */
export const MAX_SYNC_HAVE = 4096;

/** What the asking node already holds: the newest `seq` per owner, so the answer carries only what is newer. */
export type SyncHave = ReadonlyMap<string, number>;

export function encodeSyncRequest(have: SyncHave): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ have: Object.fromEntries(have) }));
}

/** Parses a sync request; throws AnnouncementError on anything but `{ have: { nodeId: seq } }` within limits. */
export function decodeSyncRequest(bytes: Uint8Array): SyncHave {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new AnnouncementError('sync request is not JSON');
  }
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
