// TrustChain's only public entry: other subsystems import from here, never from the files behind it.
export { CaService, DEFAULT_CA_LIMITS, type CaLimits, type CaServiceOptions } from './ca-service';
export { CA_FILE, loadOrCreateCa } from './ca-file';
export { exportChain, formatCertificateReport, readCertificateReport, type CertificateReport } from './cert-files';
export * from './certificates';
export { CtLog, sthSigningInput, verifyHeadSignature, type SignedTreeHead, type UnsignedTreeHead } from './ct-log';
export {
  AlreadyCertifiedError,
  CaRefusedError,
  NameRefusedError,
  SplitViewError,
  TrustError,
  type CaRefusalCode,
} from './errors';
export { parseFederationDocument, type FederationDocument, type TrustedCa } from './federation';
export { OPEN_TRUST_METHODS, TrustMethod, headFromJson, headToJson } from './protocol';
export {
  createInlinePqSigner,
  createPqWorkerPool,
  sharedPqVerifier,
  signNow,
  verifyNow,
  type PqSigner,
  type PqVerifier,
} from '../crypto';
export { remoteCosigner } from './remote-cosigner';
export { TrustClient, type TrustClientOptions } from './trust-client';
export { TrustStateRepository } from './trust-store';
export { TrustChainVerifier, trustChainIdentity } from './verifier';
export { verifyNodeCertificate, type NodeVerificationContext, type VerifiedNodeCertificate } from './verify-node';
export * from './api';
