import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNodeCertificate } from './certificates';
import { decodeCtProof } from './ct-proof';
import { TrustError } from './errors';

/** Where a node keeps its chain as PEM (written by the TrustClient, read by `hypermesh cert`). */
export const CERT_DIR = 'certs';
export const CHAIN_FILES = ['root.pem', 'intermediate.pem', 'node.pem'] as const;

export interface CertificateReport {
  readonly nodeId: string;
  readonly serial: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly expired: boolean;
  readonly sha256: string;
  /** How many post-quantum co-signatures (ML-DSA-65 and Falcon-1024 per CA) the certificate carries. */
  readonly cosignatures: number;
  readonly transparency: { readonly leafIndex: number; readonly treeSize: number; readonly logged: string } | null;
  readonly chain: readonly { readonly file: string; readonly subject: string; readonly notAfter: string }[];
}

/** Reads DATA/certs; null when this node has no TrustChain certificate yet. Parses, does not verify. */
export function readCertificateReport(dataDir: string, now = Date.now()): CertificateReport | null {
  const dir = join(dataDir, CERT_DIR);
  if (!CHAIN_FILES.every((f) => existsSync(join(dir, f)))) return null;
  const leafPem = readFileSync(join(dir, 'node.pem'), 'utf8');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafPem);
  } catch {
    throw new TrustError(`${join(dir, 'node.pem')} is not a certificate`);
  }
  const parsed = parseNodeCertificate(new Uint8Array(leaf.raw));
  const ct = parsed.ctProof ? decodeCtProof(parsed.ctProof) : null;
  const chain = CHAIN_FILES.map((file) => {
    const c = new X509Certificate(readFileSync(join(dir, file), 'utf8'));
    return { file, subject: c.subject.replace(/\n/g, ', '), notAfter: new Date(c.validTo).toISOString() };
  }).reverse();
  return {
    nodeId: parsed.nodeId,
    serial: parsed.serialHex,
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    notBefore: parsed.notBefore.toISOString(),
    notAfter: parsed.notAfter.toISOString(),
    expired: now > parsed.notAfter.getTime(),
    sha256: parsed.sha256,
    cosignatures: parsed.cosignatures.length,
    transparency: ct
      ? { leafIndex: ct.leafIndex, treeSize: ct.treeSize, logged: new Date(ct.timestamp).toISOString() }
      : null,
    chain,
  };
}

export function formatCertificateReport(r: CertificateReport): string {
  const lines = [
    `TrustChain certificate of ${r.nodeId}`,
    `  Serial:       ${r.serial}`,
    `  Issuer:       ${r.issuer}`,
    `  Valid:        ${r.notBefore} – ${r.notAfter}${r.expired ? ' (EXPIRED)' : ''}`,
    `  SHA-256:      ${r.sha256}`,
    `  PQ co-sigs:   ${r.cosignatures} (ML-DSA-65 + Falcon-1024 per CA)`,
    `  CT log:       ${r.transparency ? `entry ${r.transparency.leafIndex + 1} of ${r.transparency.treeSize} (index ${r.transparency.leafIndex}), logged ${r.transparency.logged}` : 'not logged'}`,
    '  Chain:',
    ...r.chain.map((c) => `    ${c.file.padEnd(17)} ${c.subject} (until ${c.notAfter})`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Copies the chain to `outDir` as root.pem, intermediate.pem and node.pem (for openssl and other tools). */
export function exportChain(dataDir: string, outDir: string): string[] {
  const dir = join(dataDir, CERT_DIR);
  if (!CHAIN_FILES.every((f) => existsSync(join(dir, f))))
    throw new TrustError('this node has no TrustChain certificate yet (is a CA configured and reachable?)');
  mkdirSync(outDir, { recursive: true });
  return CHAIN_FILES.map((f) => {
    copyFileSync(join(dir, f), join(outDir, f));
    return join(outDir, f);
  });
}

export function pemOf(der: Uint8Array): string {
  return new X509Certificate(der).toString();
}

function derFromPem(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(new Uint8Array(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

/** Writes a node's chain (leaf first) and its root into `certDir`, each file replaced whole. */
export function writeChainFiles(certDir: string, chain: readonly Uint8Array[], rootDer: Uint8Array): void {
  mkdirSync(certDir, { recursive: true });
  const write = (name: string, text: string) => {
    const tmp = join(certDir, `${name}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(certDir, name));
  };
  write('root.pem', pemOf(rootDer));
  write('intermediate.pem', chain.slice(1).map(pemOf).join(''));
  write('node.pem', pemOf(chain[0] as Uint8Array));
}

/** The chain (leaf first) kept in `certDir`, or null if there is none. Parses nothing: the caller verifies. */
export function readChainFiles(certDir: string): Uint8Array[] | null {
  const file = join(certDir, 'node.pem');
  if (!existsSync(file)) return null;
  const leaf = derFromPem(readFileSync(file, 'utf8'));
  return [...leaf, ...derFromPem(readFileSync(join(certDir, 'intermediate.pem'), 'utf8'))];
}
