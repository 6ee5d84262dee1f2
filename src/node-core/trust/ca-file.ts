import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logging/index';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, loadCa, renewIntermediate, serializeCa, type CaMaterial } from './certificates';
import { TrustError } from './errors';

export const CA_FILE = 'ca.json';
const INTERMEDIATE_ROTATION_MS = 30 * 86_400_000;

function writeCaFile(path: string, ca: CaMaterial): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(serializeCa(ca), null, 2), { mode: 0o600, flag: 'w' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * The CA's keys (root, intermediate, ML-DSA-65, Falcon-1024) in DIR/ca.json, mode 0600. An existing file that does
 * not load is never replaced: a new CA would orphan every certificate the old one issued.
 */
export async function loadOrCreateCa(dir: string, name: string, log?: Logger): Promise<CaMaterial> {
  const path = join(dir, CA_FILE);
  if (existsSync(path)) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw new TrustError(`the CA file ${path} is not valid JSON; move it away only if you mean to start a new CA`);
    }
    let ca: CaMaterial;
    try {
      ca = loadCa(value);
    } catch (err) {
      throw new TrustError(`the CA file ${path} cannot be used: ${(err as Error).message}`);
    }
    // Node certificates never outlive their intermediate: rotate it a month before it expires.
    const notAfter = new Date(new X509Certificate(ca.intermediate.certificate).validTo).getTime();
    if (notAfter - Date.now() < INTERMEDIATE_ROTATION_MS) {
      ca = await renewIntermediate(ca);
      writeCaFile(path, ca);
      log?.info(
        `rotated the intermediate of "${ca.name}"; the previous one expires ${new Date(notAfter).toISOString()}`,
      );
    }
    return ca;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority({ name });
  writeCaFile(path, ca);
  log?.info(`created certificate authority "${ca.name}" (${ca.caId})`);
  return ca;
}
