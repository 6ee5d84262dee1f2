import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../testing/temp-dir';
import { createCertificateAuthority, serializeCa } from './certificates';
import { loadOrCreateCa } from './ca-file';

const tempDir = useTempDirs();

describe('the CA key file', () => {
  it('is created private, loads as the same CA, and a damaged file is never replaced', async () => {
    const dir = tempDir();
    const ca = await loadOrCreateCa(dir, 'File CA');
    expect(statSync(join(dir, 'ca.json')).mode & 0o777).toBe(0o600);
    expect((await loadOrCreateCa(dir, 'ignored')).caId).toBe(ca.caId);
    writeFileSync(join(dir, 'ca.json'), '{"version":1}');
    await expect(loadOrCreateCa(dir, 'File CA')).rejects.toThrow(/cannot be used/);
    expect(readFileSync(join(dir, 'ca.json'), 'utf8')).toBe('{"version":1}');
  });

  it('rotates an intermediate that expires within a month, keeping the root', async () => {
    const dir = tempDir();
    const old = await createCertificateAuthority({ name: 'Old CA', now: new Date(Date.now() - 350 * 86_400_000) });
    writeFileSync(join(dir, 'ca.json'), JSON.stringify(serializeCa(old)), { mode: 0o600 });
    const ca = await loadOrCreateCa(dir, 'Old CA');
    expect(ca.caId).toBe(old.caId);
    expect(Buffer.from(ca.intermediate.certificate).equals(Buffer.from(old.intermediate.certificate))).toBe(false);
    expect((await loadOrCreateCa(dir, 'Old CA')).intermediate.certificate).toEqual(ca.intermediate.certificate);
  });
});
