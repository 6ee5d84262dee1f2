/** TrustChain as the UI and `hypermesh cert show` see it. JSON-safe. */

export interface ChainCertificate {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly sha256: string;
}

export interface NodeCertificateStatus {
  /** Leaf first, then the intermediate and the root. */
  readonly chain: readonly ChainCertificate[];
  readonly issuerCaId: string;
  readonly issuerName: string;
  readonly renewsAt: string;
  /** The CAs whose post-quantum co-signatures (ML-DSA-65 and Falcon-1024) hold on this certificate. */
  readonly cosigners: readonly string[];
  /** Where the certificate sits in its CA's transparency log, and whether the proof checked out here. */
  readonly transparency: {
    readonly leafIndex: number;
    readonly treeSize: number;
    readonly headTimestamp: string;
    readonly inclusionVerified: boolean;
  };
}

export interface FederationMemberStatus {
  readonly caId: string;
  readonly name: string;
  readonly address: string | null;
  readonly issuedOurCertificate: boolean;
}

export interface TrustStatus {
  /**
   * `off`: no CA configured; `self-signed`: not certified yet (see `problem`); `certified`: a valid TrustChain
   * certificate is in use; `revoked`: the CA revoked this node's certificate (it issues no new one for these keys);
   * `distrusted`: the CA was caught showing a split view and is no longer trusted.
   */
  readonly state: 'off' | 'self-signed' | 'certified' | 'revoked' | 'distrusted';
  readonly caAddress: string;
  /** The last thing that went wrong talking to the CA, for people. */
  readonly problem: string | null;
  readonly certificate: NodeCertificateStatus | null;
  readonly federation: {
    readonly epoch: number;
    readonly threshold: number;
    readonly members: readonly FederationMemberStatus[];
  } | null;
  /** Present when this node runs a CA itself (`hypermesh trust serve`). */
  readonly authority: {
    readonly caId: string;
    readonly name: string;
    readonly issued: number;
    readonly revoked: number;
    readonly logSize: number;
  } | null;
  readonly lastRefreshAt: string | null;
  readonly revocationListSequence: number | null;
}

/** A CA as listed in a federation document (JSON-safe; `root` is the DER root certificate in base64). */
export interface FederationMemberEntry {
  readonly caId: string;
  readonly name: string;
  readonly root: string;
  readonly address: string | null;
}

/** A federation document as exchanged between CA operators (see docs/trust.md); `signatures` may be partial. */
export interface FederationDocumentJson {
  readonly version: 1;
  readonly epoch: number;
  readonly threshold: number;
  readonly issuedAt: string;
  readonly members: readonly FederationMemberEntry[];
  readonly signatures: readonly { readonly caId: string; readonly signature: string }[];
}

export interface ResolvedName {
  readonly name: string;
  readonly nodeId: string;
  readonly addresses: readonly string[];
  readonly caId: string;
  readonly expiresAt: string;
}
