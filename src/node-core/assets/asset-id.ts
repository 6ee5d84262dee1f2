import { createHash } from 'node:crypto';
import { RESOURCE_KINDS, type ResourceKind } from '../../shared/settings';
import { base32 } from '../identity/index';
import { InvalidAssetIdError } from './errors';

/**
 * AssetId: one printable, self-describing id for every shared resource.
 *
 *     hma1-<kind>-<owner>-<hash>-<check>
 *
 * - `hma1`: the format and its version (1).
 * - `<kind>`: cpu | gpu | memory | storage | bandwidth.
 * - `<owner>`: the owner's NodeId as it is (52 base32 characters: SHA-256 of the node's public keys).
 * - `<hash>`: 32 base32 characters, the first 160 bits of SHA-256 over the kind, the owner and the asset's canonical
 *   descriptor (see {@link canonicalDescriptor}).
 * - `<check>`: 6 base32 characters, the bech32 BCH checksum over version, kind, owner and hash. Its generator has a
 *   non-zero constant term, so every single-character substitution (and every burst of up to 6 symbols, so every
 *   swap of two neighbours) is detected at any length; other errors slip through with probability about 1 in 10⁹.
 *
 * All lowercase RFC 4648 base32 (`a–z2–7`), digits and `-`: safe in URLs, file names and shells. An id written all in
 * upper case is accepted and normalised; mixed case is refused.
 */
export const ASSET_ID_VERSION = 1;
export const ASSET_ID_PREFIX = `hma${ASSET_ID_VERSION}`;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const OWNER_CHARS = 52;
const HASH_BYTES = 20;
const HASH_CHARS = 32;
const CHECK_CHARS = 6;
const HASH_DOMAIN = 'hypermesh/asset-id/v1\0';

export type DescriptorValue =
  string | number | boolean | null | readonly DescriptorValue[] | { readonly [key: string]: DescriptorValue };

/** What identifies one asset of its owner, e.g. `{ model: 'Ryzen 7 5800X', logicalCores: 16 }`. JSON values only. */
export type AssetDescriptor = { readonly [key: string]: DescriptorValue };

export interface AssetIdParts {
  readonly version: typeof ASSET_ID_VERSION;
  readonly kind: ResourceKind;
  /** The owner's NodeId. */
  readonly owner: string;
  /** 32 base32 characters. */
  readonly descriptorHash: string;
}

function symbols(text: string): number[] {
  return [...text].map((c) => ALPHABET.indexOf(c));
}

// bech32 (BIP 173) checksum: BCH code over GF(32).
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3] as const;

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    GENERATOR.forEach((g, i) => {
      if ((top >>> i) & 1) chk = (chk ^ g) >>> 0;
    });
  }
  return chk;
}

function checksum(kind: ResourceKind, owner: string, hash: string): string {
  const values = [ASSET_ID_VERSION, RESOURCE_KINDS.indexOf(kind), ...symbols(owner), ...symbols(hash)];
  const mod = polymod([...values, 0, 0, 0, 0, 0, 0]) ^ 1;
  let out = '';
  for (let i = 0; i < CHECK_CHARS; i++) out += ALPHABET[(mod >>> (5 * (CHECK_CHARS - 1 - i))) & 31];
  return out;
}

const isBase32 = (text: string) => /^[a-z2-7]*$/.test(text);

/** Whether `text` is a NodeId: 52 base32 characters encoding 32 bytes (the 4 padding bits zero). */
export function isNodeId(text: string): boolean {
  return text.length === OWNER_CHARS && isBase32(text) && (ALPHABET.indexOf(text.at(-1) ?? '') & 0b1111) === 0;
}

function checkOwner(owner: string): void {
  if (owner.length !== OWNER_CHARS || !isBase32(owner)) {
    throw new InvalidAssetIdError(
      'owner',
      `the owner part must be a NodeId (${OWNER_CHARS} characters a–z, 2–7), got ${owner.length} characters` +
        (isBase32(owner) ? '' : ' including characters outside a–z, 2–7'),
    );
  }
}

function checkHash(hash: string): void {
  if (hash.length !== HASH_CHARS || !isBase32(hash)) {
    throw new InvalidAssetIdError(
      'hash',
      `the hash part must be ${HASH_CHARS} characters a–z, 2–7, got ${hash.length} characters` +
        (isBase32(hash) ? '' : ' including characters outside a–z, 2–7'),
    );
  }
}

function checkKind(kind: string): asserts kind is ResourceKind {
  if (!(RESOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidAssetIdError(
      'kind',
      `unknown asset kind ${JSON.stringify(kind)}; expected one of ${RESOURCE_KINDS.join(', ')}`,
    );
  }
}

/** Prints an AssetId from its parts (checked; throws InvalidAssetIdError naming the bad part). */
export function formatAssetId(parts: AssetIdParts): string {
  if (parts.version !== ASSET_ID_VERSION) {
    throw new InvalidAssetIdError('version', `AssetId version ${String(parts.version)} is not supported`);
  }
  checkKind(parts.kind);
  checkOwner(parts.owner);
  if (!isNodeId(parts.owner)) throw new InvalidAssetIdError('owner', 'the owner is not a canonical NodeId');
  checkHash(parts.descriptorHash);
  const { kind, owner, descriptorHash } = parts;
  return `${ASSET_ID_PREFIX}-${kind}-${owner}-${descriptorHash}-${checksum(kind, owner, descriptorHash)}`;
}

/**
 * Reads an AssetId. Throws InvalidAssetIdError whose `problem` names the part that is wrong and whose message says
 * how, e.g. `the checksum does not match: the id was mistyped or damaged`.
 */
export function parseAssetId(input: string): AssetIdParts {
  if (typeof input !== 'string') throw new InvalidAssetIdError('format', 'an AssetId must be a string');
  let text = input;
  if (/[A-Z]/.test(text)) {
    if (/[a-z]/.test(text)) {
      throw new InvalidAssetIdError('case', 'an AssetId is all lowercase (or all uppercase), not mixed case');
    }
    text = text.toLowerCase();
  }
  const parts = text.split('-');
  if (parts.length !== 5) {
    throw new InvalidAssetIdError(
      'format',
      `an AssetId has 5 parts separated by "-" (${ASSET_ID_PREFIX}-KIND-OWNER-HASH-CHECK), got ${parts.length}`,
    );
  }
  const [prefix = '', kind = '', owner = '', hash = '', check = ''] = parts;
  const version = /^hma(\d+)$/.exec(prefix);
  if (!version) {
    throw new InvalidAssetIdError('format', `an AssetId starts with "${ASSET_ID_PREFIX}-", got "${prefix}-"`);
  }
  if (Number(version[1]) !== ASSET_ID_VERSION) {
    throw new InvalidAssetIdError(
      'version',
      `AssetId version ${version[1]} is not supported (this node reads version ${ASSET_ID_VERSION})`,
    );
  }
  checkKind(kind);
  checkOwner(owner);
  checkHash(hash);
  if (check.length !== CHECK_CHARS || !isBase32(check)) {
    throw new InvalidAssetIdError('checksum', `the checksum part must be ${CHECK_CHARS} characters a–z, 2–7`);
  }
  if (checksum(kind, owner, hash) !== check) {
    throw new InvalidAssetIdError('checksum', 'the checksum does not match: the id was mistyped or damaged');
  }
  if (!isNodeId(owner)) throw new InvalidAssetIdError('owner', 'the owner is not a canonical NodeId');
  return { version: ASSET_ID_VERSION, kind, owner, descriptorHash: hash };
}

/** Whether `text` parses as an AssetId. */
export function isAssetId(text: string): boolean {
  try {
    parseAssetId(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Canonical JSON of a descriptor: object keys sorted, no whitespace, finite numbers only (`-0` written as `0`),
 * no `undefined`. Two descriptors with the same content give the same text, whatever their key order.
 */
export function canonicalDescriptor(descriptor: AssetDescriptor): string {
  const write = (value: unknown, path: string): string => {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new InvalidAssetIdError('hash', `descriptor ${path} is not a finite number`);
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    }
    if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
    if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`).join(',')}}`;
    }
    throw new InvalidAssetIdError('hash', `descriptor ${path} is not a JSON value (got ${typeof value})`);
  };
  return write(descriptor, 'descriptor');
}

/** The descriptor hash of an AssetId: SHA-256 over a domain tag, kind, owner and canonical descriptor, 160 bits. */
export function descriptorHash(kind: ResourceKind, owner: string, descriptor: AssetDescriptor): string {
  const digest = createHash('sha256')
    .update(HASH_DOMAIN)
    .update(`${kind}\0${owner}\0`)
    .update(canonicalDescriptor(descriptor))
    .digest();
  return base32(digest.subarray(0, HASH_BYTES));
}

/** The AssetId of one asset: the same kind, owner and descriptor always give the same id. */
export function assetIdFor(kind: ResourceKind, ownerNodeId: string, descriptor: AssetDescriptor): string {
  checkKind(kind);
  checkOwner(ownerNodeId);
  if (!isNodeId(ownerNodeId)) throw new InvalidAssetIdError('owner', 'the owner is not a canonical NodeId');
  return formatAssetId({
    version: ASSET_ID_VERSION,
    kind,
    owner: ownerNodeId,
    descriptorHash: descriptorHash(kind, ownerNodeId, descriptor),
  });
}
