import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors';
import { EXIT, runCli } from './cli';
import { LOCK_FILE } from './config/data-dir';
import { HyperMeshError } from './errors';
import { IDENTITY_FILE } from './identity/identity';
import { LogBook } from './logging/log-book';
import { createNode } from './node';
import { fixedHardware } from './testing/fixed-hardware';
import { useTempDirs } from './testing/temp-dir';

const tempDir = useTempDirs();

function quietNode(dataDir: string) {
  return createNode({ dataDir }, { hardware: fixedHardware(), logBook: new LogBook() });
}

async function startError(dataDir: string): Promise<HyperMeshError> {
  const err: unknown = await quietNode(dataDir)
    .start()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(HyperMeshError);
  return err as HyperMeshError;
}

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

async function firstStart(dir: string): Promise<string> {
  const node = quietNode(dir);
  await node.start();
  const { nodeId } = await node.api.getStatus();
  await node.stop();
  return nodeId;
}

describe('identity at start (issue #22, 1 and 4)', () => {
  it('refuses a database whose identity.json was deleted, and creates no new identity', async () => {
    const dir = tempDir();
    await firstStart(dir);
    rmSync(join(dir, IDENTITY_FILE));
    const err = await startError(dir);
    expect(err.code).toBe(ErrorCode.IdentityMissing);
    expect(err.message).toMatch(/restore identity\.json/);
    expect(err.message).toMatch(/move the database away/);
    expect(existsSync(join(dir, IDENTITY_FILE))).toBe(false);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // released on failure

    const cli = await run('settings', 'get', 'allocation.cpu', '--data-dir', dir);
    expect(cli.code).toBe(EXIT.failure);
    expect(cli.err).toContain('[IDENTITY_MISSING]');
  });

  it('starts afresh once the database is moved away', async () => {
    const dir = tempDir();
    const before = await firstStart(dir);
    rmSync(join(dir, IDENTITY_FILE));
    for (const f of ['hypermesh.db', 'hypermesh.db-wal', 'hypermesh.db-shm']) rmSync(join(dir, f), { force: true });
    expect(await firstStart(dir)).not.toBe(before);
  });

  it('explains an identity.json that is a directory', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, IDENTITY_FILE));
    const err = await startError(dir);
    expect(err.code).toBe(ErrorCode.IdentityCorrupt);
    expect(err.message).toContain('is a directory');
    expect(err.message).not.toContain('EISDIR');
  });
});

describe.runIf(process.platform === 'linux')('a stale node.lock after a reboot (issue #22, 5)', () => {
  it('starts although the old pid (1) now names a live, unrelated process', async () => {
    const dir = tempDir();
    const before = await firstStart(dir);
    const lock = join(dir, LOCK_FILE);
    writeFileSync(lock, '1\n'); // written before the reboot; pid 1 is init now
    const beforeBoot = new Date('2001-01-01T00:00:00Z');
    utimesSync(lock, beforeBoot, beforeBoot);
    const node = quietNode(dir);
    await node.start();
    expect((await node.api.getStatus()).nodeId).toBe(before);
    expect(readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+\n$`));
    await node.stop();
  });
});
