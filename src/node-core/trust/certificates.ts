// TrustChain certificates, in three parts by role: building (certificate-building.ts), parsing
// (certificate-parsing.ts) and verification (certificate-verification.ts), over shared types (certificate-types.ts).
// This module is what the rest of trust/ (and trust/index.ts) imports.
export {
  CA_PQ_KEYS_OID,
  CT_PROOF_OID,
  DEFAULT_NODE_VALIDITY_MS,
  PQ_COSIGNATURE_OID,
  PQ_COSIGN_CONTEXT,
  PqAlgorithm,
  type CaMaterial,
  type CaPqPublicKeys,
  type CaPqSigner,
  type CosignedContent,
  type IntermediateIssuer,
  type ParsedNodeCertificate,
  type ParsedRoot,
  type PqCosignature,
  type PqKeyPair,
  type PreparedCertificate,
  type SerializedCaV1,
  type VerifiedCsr,
} from './certificate-types';
export {
  caPqPublicKeys,
  caPqSigner,
  createCertificateAuthority,
  createCsr,
  finishCertificate,
  loadCa,
  pqCosign,
  prepareNodeCertificate,
  renewIntermediate,
  serializeCa,
} from './certificate-building';
export {
  canonicalSerial,
  parseNodeCertificate,
  parseRoot,
  pqSigningInput,
  readCosignatures,
} from './certificate-parsing';
export {
  verifyClassicalChain,
  verifyCosignatures,
  verifyCsr,
  verifyIntermediateCosignature,
} from './certificate-verification';
