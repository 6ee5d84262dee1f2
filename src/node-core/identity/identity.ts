import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { IdentityCorruptError, IdentityMissingError } from '../errors';
import type { Logger } from '../logging/index';
import { base32 } from './base32';

export const IDENTITY_FILE = 'identity.json';

interface IdentityFileV1 {
  readonly version: 1;
  readonly createdAt: string;
  /** 32-byte seed of the ML-DSA-65 key pair, base64. The key pair is derived from it on load. */
  readonly mldsa65Seed: string;
  /** ECDSA P-256 private key for TLS, PKCS#8 PEM. */
  readonly p256PrivateKey: string;
}

/**
 * The node's long-term keys and the NodeId derived from them. Secret keys stay inside this object: they are never
 * logged, serialised to JSON or sent to the UI.
 */
export class NodeIdentity {
  readonly nodeId: string;
  readonly nodeIdShort: string;
  readonly mldsaPublicKey: Uint8Array;
  readonly tlsPublicKey: KeyObject;
  readonly createdAt: string;
  readonly #mldsaSecretKey: Uint8Array;
  readonly #tlsPrivateKey: KeyObject;

  constructor(file: IdentityFileV1) {
    const seed = Buffer.from(file.mldsa65Seed, 'base64');
    const keys = ml_dsa65.keygen(seed);
    this.mldsaPublicKey = keys.publicKey;
    this.#mldsaSecretKey = keys.secretKey;
    this.#tlsPrivateKey = createPrivateKey(file.p256PrivateKey);
    this.tlsPublicKey = createPublicKey(this.#tlsPrivateKey);
    this.createdAt = file.createdAt;
    this.nodeId = deriveNodeId(this.mldsaPublicKey, this.tlsPublicKey);
    this.nodeIdShort = shortNodeId(this.nodeId);
  }

  /** Post-quantum signature (ML-DSA-65) over `message`. */
  sign(message: Uint8Array): Uint8Array {
    return ml_dsa65.sign(message, this.#mldsaSecretKey);
  }

  verify(signature: Uint8Array, message: Uint8Array): boolean {
    return ml_dsa65.verify(signature, message, this.mldsaPublicKey);
  }

  /** The TLS private key, for the transport only. */
  tlsPrivateKey(): KeyObject {
    return this.#tlsPrivateKey;
  }

  /**
   * A 32-byte secret for one purpose, derived from the node's ML-DSA secret (HKDF-SHA256 with `label`): keys that
   * must stay the node's across restarts (its libp2p key, say) without a file of their own.
   */
  deriveSecret(label: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.#mldsaSecretKey, new Uint8Array(0), `hypermesh/${label}`, 32));
  }

  /** The TLS private key as PKCS#8 PEM, which the QUIC stack loads; for the transport only. */
  tlsPrivateKeyPem(): string {
    return this.#tlsPrivateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  toJSON(): { nodeId: string } {
    return { nodeId: this.nodeId };
  }
}

/** NodeId: base32 of SHA-256 over a domain tag and both public keys, so it binds the classical and PQ keys. */
export function deriveNodeId(mldsaPublicKey: Uint8Array, tlsPublicKey: KeyObject): string {
  const spki = tlsPublicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update('hypermesh/node-id/v1\0').update(mldsaPublicKey).update(spki).digest();
  return base32(digest);
}

/** Short human form for screens and logs, e.g. `hm-7k3d-q2xa`. */
export function shortNodeId(nodeId: string): string {
  return `hm-${nodeId.slice(0, 4)}-${nodeId.slice(4, 8)}`;
}

function parseIdentityFile(path: string, text: string): IdentityFileV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new IdentityCorruptError(path, 'not valid JSON');
  }
  const v = parsed as Partial<IdentityFileV1> | null;
  if (typeof v !== 'object' || v === null || v.version !== 1) {
    throw new IdentityCorruptError(path, 'unknown format version');
  }
  if (typeof v.mldsa65Seed !== 'string' || Buffer.from(v.mldsa65Seed, 'base64').length !== 32) {
    throw new IdentityCorruptError(path, 'the ML-DSA seed is missing or not 32 bytes');
  }
  if (typeof v.p256PrivateKey !== 'string' || typeof v.createdAt !== 'string') {
    throw new IdentityCorruptError(path, 'the TLS key or creation time is missing');
  }
  return v as IdentityFileV1;
}

/**
 * Loads the identity from the data directory, or makes one on first start. An existing file that cannot be read is
 * never replaced: a new identity would silently orphan the node's certificates, stake and wallet.
 */
export function loadOrCreateIdentity(dataDir: string, log?: Logger, database?: string): NodeIdentity {
  const path = join(dataDir, IDENTITY_FILE);
  if (existsSync(path)) {
    const stat = statSync(path);
    if (!stat.isFile()) throw new IdentityCorruptError(path, 'it is a directory or special file, not a file');
    const mode = stat.mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      chmodSync(path, 0o600);
      log?.warn(`identity file permissions were ${mode.toString(8)}; tightened to 600`);
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new IdentityCorruptError(path, `it cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const file = parseIdentityFile(path, text);
    try {
      return new NodeIdentity(file);
    } catch (err) {
      if (err instanceof IdentityCorruptError) throw err;
      throw new IdentityCorruptError(path, `a key cannot be loaded: ${(err as Error).message}`);
    }
  }
  // A database without its identity belongs to another NodeId: never pair it with a new one.
  if (database !== undefined && existsSync(database)) throw new IdentityMissingError(path, database);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file: IdentityFileV1 = {
    version: 1,
    createdAt: new Date().toISOString(),
    mldsa65Seed: randomBytes(32).toString('base64'),
    p256PrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2), { mode: 0o600, flag: 'wx' });
  renameSync(tmp, path);
  const identity = new NodeIdentity(file);
  log?.info(`created node identity ${identity.nodeIdShort}`);
  return identity;
}
