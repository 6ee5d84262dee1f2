import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors';
import { EXIT, runCli } from './cli';
import { DataDirLock, LOCK_FILE } from './config/data-dir';
import { HyperMeshError } from './errors';
import { IDENTITY_FILE, loadOrCreateIdentity } from './identity/identity';
import { listBackups } from './store/backups';
import { closeDatabase, LATEST_SCHEMA_VERSION, openDatabase } from './store/database';
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
    for (const f of ['hypermesh.db', 'hypermesh.db-wal', 'hypermesh.db-shm', 'backups']) {
      rmSync(join(dir, f), { force: true, recursive: true });
    }
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

function dbFile(dir: string): string {
  return join(dir, 'hypermesh.db');
}

/** Overwrites `length` bytes at `offset` with garbage, as a bad disk or a stray write would. */
function damage(file: string, offset: number, length: number): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, randomBytes(length), 0, length, offset);
  } finally {
    closeSync(fd);
  }
}

async function startedWithCpu(dir: string): Promise<number> {
  const node = quietNode(dir);
  await node.start();
  const cpu = (await node.api.getSettings()).allocation.cpu;
  await node.stop();
  return cpu;
}

/** A node that ran, with allocation.cpu 25 in its settings and in its (only) backup. */
async function nodeWithBackup(dir: string): Promise<void> {
  const node = quietNode(dir);
  await node.start();
  await node.api.updateSettings({ allocation: { cpu: 25 } });
  await node.stop();
  rmSync(join(dir, 'backups'), { recursive: true }); // the start's backup predates the change
  expect(await startedWithCpu(dir)).toBe(25); // this start backs the settings up
  expect(listBackups(dir)).toHaveLength(1);
}

describe('a damaged database (issue #22, 2 and 3)', () => {
  it('backs up at start once a day, into DATA/backups', async () => {
    const dir = tempDir();
    await firstStart(dir);
    const [first, ...rest] = listBackups(dir);
    expect(rest).toHaveLength(0);
    expect(first?.reason).toBe('daily');
    await firstStart(dir);
    expect(listBackups(dir)).toHaveLength(1);
    const copy = new Database(first?.file ?? '', { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    copy.close();
  });

  it('refuses a database truncated to 0 bytes, and "db restore --latest" brings the settings back', async () => {
    const dir = tempDir();
    await nodeWithBackup(dir);
    truncateSync(dbFile(dir), 0);
    const err = await startError(dir);
    expect(err.code).toBe(ErrorCode.StoreCorrupt);
    expect(err.message).toContain('is empty (0 bytes)');
    expect(err.message).toContain('hypermesh db restore --latest');
    expect(statSync(dbFile(dir)).size).toBe(0); // left untouched

    const listed = await run('db', 'backups', '--data-dir', dir);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/daily .*hypermesh-\d{8}T\d{9}Z-daily\.db\n$/);
    const restored = await run('db', 'restore', '--latest', '--data-dir', dir);
    expect(restored).toMatchObject({ code: 0 });
    expect(restored.out).toMatch(/moved to .*hypermesh\.db\.replaced-/);
    expect(await startedWithCpu(dir)).toBe(25);
  });

  it('refuses 64 KiB of garbage in the middle of the file', async () => {
    const dir = tempDir();
    await nodeWithBackup(dir);
    // Make the file big enough to have a middle: 400 KiB of rows in a table of their own.
    const db = new Database(dbFile(dir));
    db.exec('CREATE TABLE filler (b BLOB)');
    const insert = db.prepare('INSERT INTO filler VALUES (?)');
    for (let i = 0; i < 400; i++) insert.run(randomBytes(1024));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const size = statSync(dbFile(dir)).size;
    damage(dbFile(dir), Math.floor(size / 2 / 4096) * 4096, 64 * 1024);
    const err = await startError(dir);
    expect(err.code).toBe(ErrorCode.StoreCorrupt);
    expect(err.message).toMatch(/is damaged \(.+\); it was left untouched/);
    expect(statSync(dbFile(dir)).size).toBe(size);
  });

  it('explains garbage in the schema page (page 2) with the way out, not "unexpected error"', async () => {
    const dir = tempDir();
    await nodeWithBackup(dir);
    damage(dbFile(dir), 4096, 4096);
    const err = await startError(dir);
    expect(err.code).toBe(ErrorCode.StoreCorrupt);
    expect(err.message).toContain('hypermesh db restore --latest');
    const cli = await run('settings', 'get', 'allocation.cpu', '--data-dir', dir);
    expect(cli.code).toBe(EXIT.failure);
    expect(cli.err).toContain('[STORE_CORRUPT]');
    expect(cli.err).not.toContain('unexpected error');
  });

  it('refuses a missing database when backups show there was one', async () => {
    const dir = tempDir();
    await nodeWithBackup(dir);
    rmSync(dbFile(dir));
    const err = await startError(dir);
    expect(err.code).toBe(ErrorCode.StoreMissing);
    expect(err.message).toContain('db restore --latest');
    expect(existsSync(dbFile(dir))).toBe(false);
  });

  it('backs up before a migration', async () => {
    const dir = tempDir();
    loadOrCreateIdentity(dir);
    closeDatabase(openDatabase(dbFile(dir), { targetVersion: LATEST_SCHEMA_VERSION - 1 }));
    await firstStart(dir);
    const reasons = listBackups(dir).map((b) => b.reason);
    expect(reasons).toContain('pre-migration');
    const pre = listBackups(dir).find((b) => b.reason === 'pre-migration');
    const copy = new Database(pre?.file ?? '', { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION - 1);
    copy.close();
  });

  it('db restore refuses a running node, a damaged backup and bad flags, and leaves the database alone', async () => {
    const dir = tempDir();
    await nodeWithBackup(dir);
    const before = readFileSync(dbFile(dir));
    const lock = DataDirLock.acquire(dir);
    const locked = await run('db', 'restore', '--latest', '--data-dir', dir);
    lock.release();
    expect(locked.code).toBe(EXIT.failure);
    expect(locked.err).toContain('[DATA_DIR_LOCKED]');

    const junk = join(tempDir(), 'junk.db');
    writeFileSync(junk, randomBytes(8192));
    const bad = await run('db', 'restore', '--from', junk, '--data-dir', dir);
    expect(bad.code).toBe(EXIT.failure);
    expect(bad.err).toContain('is not a readable database');
    expect(bad.err).toContain('[STORE_CORRUPT]');
    expect(readFileSync(dbFile(dir)).equals(before)).toBe(true);

    const none = await run('db', 'restore', '--latest', '--data-dir', tempDir());
    expect(none.code).toBe(EXIT.failure);
    expect(none.err).toContain('is missing; there is nothing to restore [STORE_MISSING]');

    for (const argv of [
      ['db', 'restore'],
      ['db', 'restore', '--latest', '--from', junk],
      ['db', 'frob'],
    ]) {
      const r = await run(...argv, '--data-dir', dir);
      expect(r.code, argv.join(' ')).toBe(EXIT.usage);
      expect(r.err).toContain('usage: hypermesh db');
    }
  });
});
