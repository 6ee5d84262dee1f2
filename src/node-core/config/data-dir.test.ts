import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, DataDirUnwritableError } from '../errors';
import { useTempDirs } from '../testing/temp-dir';
import { DataDirLock, LOCK_FILE, defaultDataDir, prepareDataDir, processStartTicks } from './data-dir';

const tempDir = useTempDirs();

describe('defaultDataDir', () => {
  it('follows each platform and the override', () => {
    expect(defaultDataDir({}, 'linux', '/home/a')).toBe('/home/a/.local/share/hypermesh');
    expect(defaultDataDir({ XDG_DATA_HOME: '/x' }, 'linux', '/home/a')).toBe('/x/hypermesh');
    expect(defaultDataDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/HyperMesh');
    expect(defaultDataDir({ APPDATA: 'C:/AppData' }, 'win32', 'C:/Users/a')).toBe(join('C:/AppData', 'HyperMesh'));
    expect(defaultDataDir({ HYPERMESH_DATA_DIR: '/srv/hm' }, 'linux', '/home/a')).toBe('/srv/hm');
  });
});

describe('prepareDataDir', () => {
  it('creates nested folders', () => {
    const dir = join(tempDir(), 'a', 'b');
    prepareDataDir(dir);
    writeFileSync(join(dir, 'x'), 'ok');
  });

  it('explains a folder that cannot be made', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    expect(() => prepareDataDir(join(file, 'data'))).toThrow(DataDirUnwritableError);
    expect(() => prepareDataDir(join(file, 'data'))).toThrow(/cannot write to data directory/);
  });
});

describe('DataDirLock', () => {
  it('lets one node at a time use a folder', () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir);
    expect(() => DataDirLock.acquire(dir)).toThrow(DataDirLockedError);
    lock.release();
    DataDirLock.acquire(dir).release();
  });

  it('refuses a lock held by another live process', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
    expect(() => DataDirLock.acquire(dir)).toThrow(`(pid ${process.ppid})`);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('takes over a lock left by a dead process', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), '999999999\n');
    const lock = DataDirLock.acquire(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}( \\d+)?\n$`));
    lock.release();
  });
});

const onLinux = process.platform === 'linux';

describe.runIf(onLinux)('DataDirLock when the pid now names an unrelated process (issue #22, 5)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  /** A live process that is not a HyperMesh node, like whatever owns a reused pid after a reboot. */
  function unrelatedProcess(): number {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
    children.push(child);
    if (child.pid === undefined) throw new Error('spawn failed');
    return child.pid;
  }

  it('takes over a lock whose recorded start time is not the live process', () => {
    const dir = tempDir();
    const pid = unrelatedProcess();
    writeFileSync(join(dir, LOCK_FILE), `${pid} 1\n`);
    DataDirLock.acquire(dir).release();
  });

  it('takes over an old-format lock written before the process with its pid started', () => {
    const dir = tempDir();
    const pid = unrelatedProcess();
    const file = join(dir, LOCK_FILE);
    writeFileSync(file, `${pid}\n`);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(file, anHourAgo, anHourAgo);
    DataDirLock.acquire(dir).release();
  });

  it('still refuses a lock whose owner is alive with the recorded start time', () => {
    const dir = tempDir();
    const pid = unrelatedProcess();
    const ticks = processStartTicks(pid);
    expect(ticks).toMatch(/^\d+$/);
    writeFileSync(join(dir, LOCK_FILE), `${pid} ${ticks ?? ''}\n`);
    expect(() => DataDirLock.acquire(dir)).toThrow(`(pid ${pid})`);
  });
});
