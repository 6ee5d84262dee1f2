// TrustChain certificates: the OIDs, constants and types shared by building, parsing and verification.
import 'reflect-metadata';
import { type KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { NODE_BINDING_OID } from '../transport/index';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/*
 * OIDs: sub-arcs of the node binding's random 2.25 arc (the ASN.1 library encodes them fine; arcs stay below 2^53).
 * All three extensions are non-critical so that standard X.509 stacks (openssl, quiche) ignore them.
 */
/** Root certificate: the CA's post-quantum public keys, authenticated by pinning the root. */
export const CA_PQ_KEYS_OID = `${NODE_BINDING_OID}.1`;
/** Post-quantum co-signatures over the precertificate TBS, one pair (ML-DSA-65 + Falcon-1024) per CA. */
export const PQ_COSIGNATURE_OID = `${NODE_BINDING_OID}.2`;
/** Certificate-transparency inclusion proof; an opaque payload defined by the CT log module. */
export const CT_PROOF_OID = `${NODE_BINDING_OID}.3`;

/**
 * Domain separation for the PQ co-signatures: the CA's PQ keys sign other things too (e.g. log tree heads), so a
 * certificate signature must never be replayable as one of those.
 */
export const PQ_COSIGN_CONTEXT = Buffer.from('hypermesh/trustchain/pq-cosign/v1\0');
export const CA_ID_TAG = Buffer.from('hypermesh/ca-id/v1\0');

export const PqAlgorithm = { MlDsa65: 1, Falcon1024: 2 } as const;
export type PqAlgorithm = (typeof PqAlgorithm)[keyof typeof PqAlgorithm];

export const DEFAULT_NODE_VALIDITY_MS = 24 * 3600_000;
export const ROOT_VALIDITY_MS = 10 * 365 * 86_400_000;
export const INTERMEDIATE_VALIDITY_MS = 365 * 86_400_000;
/** notBefore is backdated so that peers whose clocks lag a little still accept a fresh certificate. */
export const CLOCK_SKEW_MS = 60_000;

export const OID_CN = '2.5.4.3';
export const OID_O = '2.5.4.10';
export const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
export const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
/** The one classical signature TrustChain issues and accepts. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };
/** The O attribute of every node certificate. */
export const NODE_ORGANIZATION = 'HyperMesh node';
/** A caId is a SHA-256. */
export const CA_ID_BYTES = 32;
/** Lengths inside the post-quantum extensions are u16. */
export const MAX_PQ_EXTENSION = 0xffff;

export interface PqCosignature {
  /** SHA-256 caId of the signing CA (the bytes before base32). */
  readonly caIdRaw: Uint8Array;
  readonly algorithm: PqAlgorithm;
  readonly signature: Uint8Array;
}

export interface PqKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** What a PQ signer (worker thread, other CA) needs; no classical keys. */
export interface CaPqSigner {
  readonly caIdRaw: Uint8Array;
  readonly mldsaSecretKey: Uint8Array;
  readonly falconSecretKey: Uint8Array;
}

export interface CaPqPublicKeys {
  readonly mldsaPublicKey: Uint8Array;
  readonly falconPublicKey: Uint8Array;
}

export interface IntermediateIssuer {
  /** DER of the intermediate certificate. */
  readonly certificate: Uint8Array;
  readonly privateKey: KeyObject;
}

export interface CaMaterial {
  readonly name: string;
  /** base32 of caIdRaw. */
  readonly caId: string;
  readonly caIdRaw: Uint8Array;
  readonly root: { readonly certificate: Uint8Array; readonly privateKey: KeyObject };
  readonly intermediate: IntermediateIssuer;
  readonly mldsa: PqKeyPair;
  readonly falcon: PqKeyPair;
}

/** A TBSCertificate waiting for its PQ co-signatures and CT proof. Stays with the issuer (holds its key). */
export interface PreparedCertificate {
  /** DER of the TBSCertificate without the co-signature and CT-proof extensions. */
  readonly tbs: Uint8Array;
  readonly issuerPrivateKey: KeyObject;
}

export interface VerifiedCsr {
  readonly nodeId: string;
  /** DER SubjectPublicKeyInfo of the node's TLS key. */
  readonly spki: Uint8Array;
  readonly mldsaPublicKey: Uint8Array;
  /** extnValue of the node binding extension, copied verbatim into the certificate. */
  readonly bindingExtension: Uint8Array;
}

export interface CosignedContent {
  /** pqSigningInput(cert): what the CT log records and what the PQ co-signatures cover. */
  readonly signingInput: Uint8Array;
  readonly cosignatures: readonly PqCosignature[];
  readonly ctProof?: Uint8Array;
}

export interface ParsedNodeCertificate extends CosignedContent {
  readonly nodeId: string;
  readonly mldsaPublicKey: Uint8Array;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuerDn: string;
  /** SHA-256 of the certificate DER, hex. */
  readonly sha256: string;
}

export interface ParsedRoot extends CaPqPublicKeys {
  readonly caId: string;
  readonly caIdRaw: Uint8Array;
  /** The CA's name (the root's O attribute). */
  readonly name: string;
  readonly notAfter: Date;
}

/** JSON form of a CA for its own key file (secret: the caller writes it with mode 0600). */
export interface SerializedCaV1 {
  readonly version: 1;
  readonly name: string;
  readonly caId: string;
  readonly rootCertificate: string;
  readonly rootPrivateKey: string;
  readonly intermediateCertificate: string;
  readonly intermediatePrivateKey: string;
  /** base64; public keys are derived from them on load. */
  readonly mldsa65SecretKey: string;
  readonly falcon1024SecretKey: string;
}
