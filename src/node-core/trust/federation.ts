import { createHash } from 'node:crypto';
import type { FederationDocumentJson, FederationMemberEntry } from '../../shared/trust';
import { isPlainObject } from '../../shared/validate';
import { parseRoot } from './certificates';
import { TrustError } from './errors';
import { verifyNow, type PqSigner } from '../crypto';

/**
 * The federation document: which CAs a client trusts and how many of them must co-sign a node certificate.
 * Phase 0 (one well-known CA) is a federation of one with threshold 1; phase 3 is several CAs with k of n.
 *
 * The first document (epoch 1) is signed by every member: each CA consents to its membership. Every later epoch
 * is signed by at least `threshold` members of the epoch before it (so no single CA can add a friend or remove a
 * rival) and by every member it adds. Signatures are ML-DSA-65 by each CA's post-quantum key over
 * `FEDERATION_CONTEXT || canonical JSON of {epoch, threshold, issuedAt, members sorted by caId}`.
 * The types are the shared DTOs: operators exchange these documents as JSON files (`hypermesh trust federation`).
 */
export type FederationDocument = FederationDocumentJson;
export type FederationMember = FederationMemberEntry;

export interface TrustedCa {
  readonly caId: string;
  readonly caIdRaw: Uint8Array;
  readonly name: string;
  readonly rootDer: Uint8Array;
  readonly mldsaPublicKey: Uint8Array;
  readonly falconPublicKey: Uint8Array;
  readonly address: string | null;
}

/** A federation document whose signatures held. */
export interface TrustedFederation {
  readonly epoch: number;
  readonly threshold: number;
  readonly members: ReadonlyMap<string, TrustedCa>;
  readonly document: FederationDocument;
}

const FEDERATION_CONTEXT = Buffer.from('hypermesh/trust/federation/v1\0');
const MAX_MEMBERS = 64;

export function federationSigningInput(doc: Omit<FederationDocument, 'signatures'>): Buffer {
  const members = [...doc.members]
    .sort((a, b) => (a.caId < b.caId ? -1 : a.caId > b.caId ? 1 : 0))
    .map((m) => ({ caId: m.caId, name: m.name, root: m.root, address: m.address }));
  const body = JSON.stringify({ epoch: doc.epoch, threshold: doc.threshold, issuedAt: doc.issuedAt, members });
  return Buffer.concat([FEDERATION_CONTEXT, Buffer.from(body)]);
}

export function federationDigest(doc: FederationDocument): string {
  return createHash('sha256').update(federationSigningInput(doc)).digest('hex');
}

/** Checks the shape of untrusted JSON (from a peer or a file); signatures are checked by verifyFederation. */
export function parseFederationDocument(value: unknown): FederationDocument {
  const fail = (why: string): never => {
    throw new TrustError(`invalid federation document: ${why}`);
  };
  if (!isPlainObject(value)) return fail('not an object');
  const known = ['version', 'epoch', 'threshold', 'issuedAt', 'members', 'signatures'];
  for (const key of Object.keys(value)) if (!known.includes(key)) fail(`unknown field ${key}`);
  if (value.version !== 1) fail(`unknown version ${String(value.version)}`);
  const int = (v: unknown, what: string, min: number) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : fail(`${what} must be an integer ≥ ${min}`);
  const epoch = int(value.epoch, 'epoch', 1);
  const threshold = int(value.threshold, 'threshold', 1);
  if (typeof value.issuedAt !== 'string' || Number.isNaN(Date.parse(value.issuedAt))) fail('issuedAt is not a date');
  if (!Array.isArray(value.members) || value.members.length === 0 || value.members.length > MAX_MEMBERS)
    fail(`members must list 1–${MAX_MEMBERS} CAs`);
  const members = (value.members as unknown[]).map((m, i): FederationMember => {
    if (!isPlainObject(m)) return fail(`member ${i} is not an object`);
    if (typeof m.caId !== 'string' || !/^[a-z2-7]{52}$/.test(m.caId)) fail(`member ${i} has no valid caId`);
    if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > 100) fail(`member ${i} has no name`);
    if (typeof m.root !== 'string' || m.root.length > 64_000) fail(`member ${i} has no root certificate`);
    if (m.address !== null && (typeof m.address !== 'string' || m.address.length > 300))
      fail(`member ${i} has an invalid address`);
    return {
      caId: m.caId as string,
      name: m.name as string,
      root: m.root as string,
      address: m.address as string | null,
    };
  });
  if (new Set(members.map((m) => m.caId)).size !== members.length) fail('a CA is listed twice');
  if (threshold > members.length) fail(`threshold ${threshold} is more than the ${members.length} members`);
  if (!Array.isArray(value.signatures) || value.signatures.length > MAX_MEMBERS * 2) fail('signatures must be a list');
  const signatures = (value.signatures as unknown[]).map((s, i) => {
    if (!isPlainObject(s) || typeof s.caId !== 'string' || typeof s.signature !== 'string')
      return fail(`signature ${i} is malformed`);
    return { caId: s.caId, signature: s.signature };
  });
  return {
    version: 1,
    epoch,
    threshold,
    issuedAt: value.issuedAt as string,
    members,
    signatures,
  };
}

function trustedMembers(doc: FederationDocument): Map<string, TrustedCa> {
  const out = new Map<string, TrustedCa>();
  for (const m of doc.members) {
    const rootDer = new Uint8Array(Buffer.from(m.root, 'base64'));
    const root = parseRoot(rootDer);
    if (root.caId !== m.caId) throw new TrustError(`federation member ${m.name}: its root is for CA ${root.caId}`);
    out.set(m.caId, {
      caId: m.caId,
      caIdRaw: root.caIdRaw,
      name: m.name,
      rootDer,
      mldsaPublicKey: root.mldsaPublicKey,
      falconPublicKey: root.falconPublicKey,
      address: m.address,
    });
  }
  return out;
}

/** The CAs (of `among`) whose signature on `doc` holds. */
function signersOf(doc: FederationDocument, among: ReadonlyMap<string, TrustedCa>): Set<string> {
  const input = federationSigningInput(doc);
  const ok = new Set<string>();
  for (const s of doc.signatures) {
    const ca = among.get(s.caId);
    if (ca && verifyNow('ml-dsa-65', Buffer.from(s.signature, 'base64'), input, ca.mldsaPublicKey)) ok.add(s.caId);
  }
  return ok;
}

/**
 * Accepts a federation document as the genesis (epoch 1 without `previous`: every member must have signed), as the
 * successor of `previous` (a later epoch, signed by `previous.threshold` of its members and by each newly added
 * member), or — a later epoch without `previous`, as a new client meets it — signed by `threshold` of its members.
 */
export function verifyFederation(doc: FederationDocument, previous?: TrustedFederation): TrustedFederation {
  const members = trustedMembers(doc);
  const own = signersOf(doc, members);
  if (!previous && doc.epoch === 1) {
    const missing = [...members.keys()].filter((id) => !own.has(id));
    if (missing.length > 0)
      throw new TrustError(`the federation document lacks the signature of ${missing.join(', ')}`);
  } else if (!previous) {
    // A later epoch met without its history (first contact, or a document stored after it was checked): it must
    // carry the signatures of at least `threshold` of its own members — no fewer CAs than it asks of certificates.
    if (own.size < doc.threshold) {
      throw new TrustError(
        `federation epoch ${doc.epoch} is signed by ${own.size} of its own CAs; ${doc.threshold} are required`,
      );
    }
  } else {
    if (doc.epoch === previous.epoch && federationDigest(doc) === federationDigest(previous.document)) return previous;
    if (doc.epoch <= previous.epoch)
      throw new TrustError(`federation epoch ${doc.epoch} is not newer than the trusted epoch ${previous.epoch}`);
    const byPrevious = signersOf(doc, previous.members);
    if (byPrevious.size < previous.threshold) {
      throw new TrustError(
        `federation epoch ${doc.epoch} is signed by ${byPrevious.size} of the current CAs; ${previous.threshold} are required`,
      );
    }
    const added = [...members.keys()].filter((id) => !previous.members.has(id) && !own.has(id));
    if (added.length > 0) throw new TrustError(`new federation member ${added.join(', ')} has not signed`);
  }
  return { epoch: doc.epoch, threshold: doc.threshold, members, document: doc };
}

/** A CA's signature for a federation document (each member adds its own). */
export async function signFederation(
  doc: Omit<FederationDocument, 'signatures'>,
  ca: { caId: string; mldsaSecretKey: Uint8Array },
  signer: PqSigner,
): Promise<{ caId: string; signature: string }> {
  const sig = await signer.sign('ml-dsa-65', federationSigningInput(doc), ca.mldsaSecretKey);
  return { caId: ca.caId, signature: Buffer.from(sig).toString('base64') };
}
