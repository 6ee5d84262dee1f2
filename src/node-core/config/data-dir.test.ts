import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, DataDirUnwritableError } from '../errors';
import { useTempDirs } from '../testing/temp-dir';
import { DataDirLock, LOCK_FILE, defaultDataDir, prepareDataDir } from './data-dir';

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
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });
});
