import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logging/log-book';
import { createCertificateAuthority, loadCa, serializeCa, type CaMaterial } from './certificates';
import { TrustError } from './errors';

export const CA_FILE = 'ca.json';

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
    try {
      return loadCa(value);
    } catch (err) {
      throw new TrustError(`the CA file ${path} cannot be used: ${(err as Error).message}`);
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority({ name });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(serializeCa(ca), null, 2), { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  log?.info(`created certificate authority "${ca.name}" (${ca.caId})`);
  return ca;
}
