import { isPlainObject } from '../../shared/validate';
import { decodeJsonBody, type JsonHandlerOptions, type Validate } from '../transport/index';
import type { SignedTreeHead } from './ct-log';
import { TrustError } from './errors';
import { parseFederationDocument, type FederationDocument } from './federation';

/**
 * TrustChain's STOQ methods. Requests and replies are JSON (binary fields in base64, hashes in hex), except
 * `trust.issue`, whose request is the raw PKCS#10 DER. Every reply is validated before use: a CA is a peer too.
 */
export const TrustMethod = {
  /** → BundleReply: the CA's federation document and latest signed tree head. Open to any peer. */
  Bundle: 'trust.bundle',
  /** CSR DER → IssueReply. Open to any peer (a node has no certificate before its first). */
  Issue: 'trust.issue',
  /** → SignedTreeHeadJson. */
  Head: 'trust.head',
  /** {from, to} → {proof}. */
  Consistency: 'trust.consistency',
  /** → RevocationListJson. */
  Revocations: 'trust.revocations',
  /** {name} → NameRecordJson. */
  Resolve: 'trust.resolve',
  /** {name, addresses} → NameRecordJson; only for peers with a TrustChain certificate. */
  Register: 'trust.register',
  /** {name} → {released}; frees a name the calling node holds (only for peers with a TrustChain certificate). */
  Release: 'trust.release',
  /** CosignRequest → {cosignatures}; a federation CA asks the others for their co-signatures. */
  Cosign: 'trust.cosign',
  /** → {heads}: the tree heads this node has seen, so peers can compare views of each log (gossip). */
  Heads: 'trust.heads',
} as const;

/** Methods a peer without a TrustChain certificate may call: what it needs to get one, and to audit. */
export const OPEN_TRUST_METHODS: ReadonlySet<string> = new Set([
  TrustMethod.Bundle,
  TrustMethod.Issue,
  TrustMethod.Head,
  TrustMethod.Consistency,
  TrustMethod.Revocations,
  TrustMethod.Resolve,
  TrustMethod.Cosign,
  TrustMethod.Heads,
]);

export interface SignedTreeHeadJson {
  readonly logId: string;
  readonly treeSize: number;
  readonly timestamp: number;
  readonly rootHash: string;
  readonly signature: string;
}

export interface BundleReply {
  readonly caId: string;
  readonly federation: FederationDocument;
  readonly head: SignedTreeHeadJson | null;
  /** The CA's signed statement that it serves from this STOQ NodeId (clients check it against the peer). */
  readonly node: CaNodeStatementJson;
}

/** A CA's ML-DSA-65 signature over "CA caId runs on STOQ node nodeId" (docs/trust.md, "Bootstrap"). */
export interface CaNodeStatementJson {
  readonly caId: string;
  readonly nodeId: string;
  readonly issuedAt: string;
  readonly signature: string;
}

export interface IssueReply {
  readonly certificate: string;
  readonly chain: readonly string[];
}

export interface RevocationListJson {
  readonly caId: string;
  readonly sequence: number;
  readonly issuedAt: string;
  readonly serials: readonly string[];
  /** Every NodeId with a revoked certificate, expired or not: revocation is about the keys, for good. */
  readonly nodeIds: readonly string[];
  readonly signature: string;
}

export interface NameRecordJson {
  readonly name: string;
  readonly nodeId: string;
  readonly addresses: readonly string[];
  readonly caId: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly signature: string;
}

export interface CosignRequest {
  readonly caId: string;
  readonly signingInput: string;
  readonly signature: string;
  /** The requesting CA's current signed revocation list: a co-signer refuses a subject it revoked. */
  readonly revocations: RevocationListJson;
}

export interface CosignatureJson {
  readonly caIdRaw: string;
  readonly alg: number;
  readonly signature: string;
}

export const RESERVED_NAMES = ['hypermesh', 'caesar', 'trust', 'assets'] as const;
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TrustError(
      `"${String(name).slice(0, 80)}" is not a valid name: use 1–63 lowercase letters, digits and inner hyphens`,
    );
  }
  return name;
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

export function decodeJson(body: Uint8Array, what: string): Record<string, unknown> {
  const decoded = decodeJsonBody(body);
  if (!decoded) throw new TrustError(`${what} is not valid JSON`);
  return jsonObject(what)(decoded.value);
}

/** A validator for the typed JSON call (callJson, handleJson): the value must be a JSON object. */
export function jsonObject(what: string): Validate<Record<string, unknown>> {
  return (value) => {
    if (!isPlainObject(value)) throw new TrustError(`${what} is not a JSON object`);
    return value;
  };
}

/** The CA's answer to trust.consistency: the proof's hashes. */
export function consistencyReply(value: unknown): Uint8Array[] {
  const proof = jsonObject('the consistency proof')(value).proof;
  if (!Array.isArray(proof) || proof.length > 128 || proof.some((p) => typeof p !== 'string'))
    throw new TrustError('the consistency proof is malformed');
  return (proof as string[]).map((p) => new Uint8Array(Buffer.from(p, 'base64')));
}

/** handleJson options for a request that must be a JSON object, refused as TrustError as before. */
export function trustRequest(what: string): JsonHandlerOptions<Record<string, unknown>> {
  return { validate: jsonObject(what), notJson: () => new TrustError(`${what} is not valid JSON`) };
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX = /^[0-9a-f]*$/;

export function str(o: Record<string, unknown>, key: string, what: string, max = 100_000): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length > max) throw new TrustError(`${what}: ${key} must be a string`);
  return v;
}

export function b64(o: Record<string, unknown>, key: string, what: string, max = 200_000): Uint8Array {
  const v = str(o, key, what, max);
  if (!B64.test(v)) throw new TrustError(`${what}: ${key} is not base64`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

export function hex(o: Record<string, unknown>, key: string, what: string, bytes: number): Uint8Array {
  const v = str(o, key, what, bytes * 2);
  if (v.length !== bytes * 2 || !HEX.test(v)) throw new TrustError(`${what}: ${key} must be ${bytes} bytes of hex`);
  return new Uint8Array(Buffer.from(v, 'hex'));
}

export function int(o: Record<string, unknown>, key: string, what: string, min = 0): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw new TrustError(`${what}: ${key} must be an integer ≥ ${min}`);
  return v;
}

export function headToJson(h: SignedTreeHead): SignedTreeHeadJson {
  return {
    logId: Buffer.from(h.logId).toString('hex'),
    treeSize: h.treeSize,
    timestamp: h.timestamp,
    rootHash: Buffer.from(h.rootHash).toString('hex'),
    signature: Buffer.from(h.signature).toString('base64'),
  };
}

export function headFromJson(value: unknown, what = 'tree head'): SignedTreeHead {
  if (!isPlainObject(value)) throw new TrustError(`${what} is not an object`);
  return {
    logId: hex(value, 'logId', what, 32),
    treeSize: int(value, 'treeSize', what),
    timestamp: int(value, 'timestamp', what),
    rootHash: hex(value, 'rootHash', what, 32),
    signature: b64(value, 'signature', what, 20_000),
  };
}

export function parseBundle(body: Uint8Array): BundleReply {
  const o = decodeJson(body, 'the CA bundle');
  const head = o.head === null ? null : headToJson(headFromJson(o.head, 'the CA bundle head'));
  return {
    caId: str(o, 'caId', 'the CA bundle', 64),
    federation: parseFederationDocument(o.federation),
    head,
    node: parseCaNodeStatement(o.node),
  };
}

export function parseCaNodeStatement(value: unknown): CaNodeStatementJson {
  const what = "the CA's node statement";
  if (!isPlainObject(value)) throw new TrustError(`${what} is missing`);
  b64(value, 'signature', what, 20_000);
  return {
    caId: str(value, 'caId', what, 64),
    nodeId: str(value, 'nodeId', what, 64),
    issuedAt: str(value, 'issuedAt', what, 40),
    signature: str(value, 'signature', what),
  };
}

export function parseIssueReply(body: Uint8Array): { certificate: Uint8Array; chain: Uint8Array[] } {
  const o = decodeJson(body, 'the issued certificate');
  const chain = o.chain;
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > 4)
    throw new TrustError('the issued certificate comes without its chain');
  return {
    certificate: b64(o, 'certificate', 'the issued certificate'),
    chain: chain.map((c: unknown, i) => b64({ c }, 'c', `chain certificate ${i}`)),
  };
}

export function parseRevocationList(body: Uint8Array | Record<string, unknown>): RevocationListJson {
  const o = body instanceof Uint8Array ? decodeJson(body, 'the revocation list') : body;
  const what = 'the revocation list';
  const serials = o.serials;
  if (!Array.isArray(serials) || serials.length > 1_000_000) throw new TrustError(`${what}: serials must be a list`);
  for (const s of serials) {
    if (typeof s !== 'string' || !/^[0-9a-f]{1,64}$/.test(s)) throw new TrustError(`${what}: a serial is malformed`);
  }
  const nodeIds = o.nodeIds;
  if (!Array.isArray(nodeIds) || nodeIds.length > 1_000_000) throw new TrustError(`${what}: nodeIds must be a list`);
  for (const n of nodeIds) {
    if (typeof n !== 'string' || !/^[a-z2-7]{1,64}$/.test(n)) throw new TrustError(`${what}: a NodeId is malformed`);
  }
  b64(o, 'signature', what, 20_000);
  return {
    caId: str(o, 'caId', what, 64),
    sequence: int(o, 'sequence', what),
    issuedAt: str(o, 'issuedAt', what, 40),
    serials: serials as string[],
    nodeIds: nodeIds as string[],
    signature: str(o, 'signature', what),
  };
}

export function parseNameRecord(body: Uint8Array | Record<string, unknown>): NameRecordJson {
  const o = body instanceof Uint8Array ? decodeJson(body, 'the name record') : body;
  const what = 'the name record';
  const addresses = o.addresses;
  if (
    !Array.isArray(addresses) ||
    addresses.length > 8 ||
    addresses.some((a) => typeof a !== 'string' || a.length > 300)
  )
    throw new TrustError(`${what}: addresses must be a list of up to 8 strings`);
  b64(o, 'signature', what, 20_000);
  return {
    name: checkName(o.name),
    nodeId: str(o, 'nodeId', what, 64),
    addresses: addresses as string[],
    caId: str(o, 'caId', what, 64),
    issuedAt: str(o, 'issuedAt', what, 40),
    expiresAt: str(o, 'expiresAt', what, 40),
    signature: str(o, 'signature', what),
  };
}

export const REVOCATION_CONTEXT = 'hypermesh/trust/revocations/v2\0';
export const NAME_CONTEXT = 'hypermesh/trust/name/v1\0';
export const COSIGN_REQUEST_CONTEXT = 'hypermesh/trust/cosign-request/v1\0';
export const CA_NODE_CONTEXT = 'hypermesh/trust/ca-node/v1\0';

export function caNodeSigningInput(s: Omit<CaNodeStatementJson, 'signature'>): Buffer {
  return Buffer.from(CA_NODE_CONTEXT + JSON.stringify({ caId: s.caId, nodeId: s.nodeId, issuedAt: s.issuedAt }));
}

export function revocationSigningInput(list: Omit<RevocationListJson, 'signature'>): Buffer {
  const serials = [...list.serials].sort();
  const nodeIds = [...list.nodeIds].sort();
  return Buffer.from(
    REVOCATION_CONTEXT +
      JSON.stringify({ caId: list.caId, sequence: list.sequence, issuedAt: list.issuedAt, serials, nodeIds }),
  );
}

export function nameSigningInput(r: Omit<NameRecordJson, 'signature'>): Buffer {
  return Buffer.from(
    NAME_CONTEXT +
      JSON.stringify({
        name: r.name,
        nodeId: r.nodeId,
        addresses: r.addresses,
        caId: r.caId,
        issuedAt: r.issuedAt,
        expiresAt: r.expiresAt,
      }),
  );
}
