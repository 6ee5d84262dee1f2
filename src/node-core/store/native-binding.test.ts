import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors';
import {
  ELECTRON_BUILD_COMMAND,
  NODE_BUILD_COMMAND,
  NativeModuleError,
  chooseSqliteBinding,
  electronCacheDir,
  explainLoadFailure,
  parseManifest,
  type ElectronBuildManifest,
  type NativeRuntime,
} from './native-binding';
import { currentRuntime, sqliteNativeBinding } from './native-sqlite';

const node: NativeRuntime = { modules: '115', platform: 'linux', arch: 'x64', packaged: false };
const electron: NativeRuntime = { ...node, electron: '41.7.1', modules: '145' };
const dir = electronCacheDir('/repo', '41.7.1');
const manifest: ElectronBuildManifest = {
  electron: '41.7.1',
  modules: '145',
  platform: 'linux',
  arch: 'x64',
  betterSqlite3: '12.11.1',
};

function failure(fn: () => unknown): NativeModuleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NativeModuleError) return err;
    throw err;
  }
  throw new Error('expected a NativeModuleError');
}

describe('chooseSqliteBinding', () => {
  it('leaves plain Node to better-sqlite3 (its build in node_modules), whatever the cache holds', () => {
    expect(chooseSqliteBinding(node, null, '12.11.1')).toEqual({ kind: 'default' });
    expect(chooseSqliteBinding(node, { dir, manifest, binaryPresent: true }, '12.11.1')).toEqual({ kind: 'default' });
  });

  it('picks the cached Electron build when it matches this Electron', () => {
    expect(chooseSqliteBinding(electron, { dir, manifest, binaryPresent: true }, '12.11.1')).toEqual({
      kind: 'file',
      path: '/repo/native-cache/electron-41.7.1/better_sqlite3.node',
    });
  });

  it('says what to run when there is no Electron build', () => {
    for (const build of [null, { dir, manifest: null, binaryPresent: true }, { dir, manifest, binaryPresent: false }]) {
      const err = failure(() => chooseSqliteBinding(electron, build, '12.11.1'));
      expect(err.code).toBe(ErrorCode.NativeBuildMissing);
      expect(err.command).toBe(ELECTRON_BUILD_COMMAND);
      expect(err.message).toBe(
        'better-sqlite3 has no build for Electron 41.7.1 (NODE_MODULE_VERSION 145) yet; ' +
          'run `npm run native:electron` in the HyperMesh folder, then start again',
      );
    }
  });

  it('refuses a build for another ABI, platform, arch or better-sqlite3 version, naming what differs', () => {
    const cases: [Partial<ElectronBuildManifest>, string][] = [
      [{ modules: '143' }, 'modules 143 instead of 145'],
      [{ electron: '40.1.0', modules: '143' }, 'electron 40.1.0 instead of 41.7.1, modules 143 instead of 145'],
      [{ arch: 'arm64' }, 'arch arm64 instead of x64'],
      [{ platform: 'darwin' }, 'platform darwin instead of linux'],
      [{ betterSqlite3: '12.10.0' }, 'betterSqlite3 12.10.0 instead of 12.11.1'],
    ];
    for (const [change, says] of cases) {
      const build = { dir, manifest: { ...manifest, ...change }, binaryPresent: true };
      const err = failure(() => chooseSqliteBinding(electron, build, '12.11.1'));
      expect(err.code).toBe(ErrorCode.NativeAbiMismatch);
      expect(err.command).toBe(ELECTRON_BUILD_COMMAND);
      expect(err.message).toBe(
        `the better-sqlite3 build in ${dir} is for another runtime (${says}); ` +
          'run `npm run native:electron` in the HyperMesh folder, then start again',
      );
    }
  });

  it('in an installed app, asks for a reinstall instead of an npm command', () => {
    const err = failure(() => chooseSqliteBinding({ ...electron, packaged: true }, null, '12.11.1'));
    expect(err.code).toBe(ErrorCode.NativeBuildMissing);
    expect(err.command).toBeNull();
    expect(err.message).toMatch(/reinstall HyperMesh/);
    expect(err.message).not.toMatch(/npm/);
  });
});

describe('explainLoadFailure', () => {
  it('turns a dlopen failure into an ABI mismatch with the command for this runtime', () => {
    const underNode = explainLoadFailure(node, 'ERR_DLOPEN_FAILED');
    expect(underNode?.code).toBe(ErrorCode.NativeAbiMismatch);
    expect(underNode?.command).toBe(NODE_BUILD_COMMAND);
    expect(underNode?.message).toBe(
      'better-sqlite3 was built for another runtime than this Node linux-x64 (NODE_MODULE_VERSION 115); ' +
        'run `npm rebuild better-sqlite3` in the HyperMesh folder, then start again',
    );
    const underElectron = explainLoadFailure(electron, 'ERR_DLOPEN_FAILED');
    expect(underElectron?.command).toBe(ELECTRON_BUILD_COMMAND);
    expect(underElectron?.message).toMatch(/this Electron 41\.7\.1 \(NODE_MODULE_VERSION 145\)/);
  });

  it('leaves other failures alone', () => {
    expect(explainLoadFailure(node, 'SQLITE_CANTOPEN')).toBeNull();
    expect(explainLoadFailure(electron, undefined)).toBeNull();
  });

  it('recognises what Node really reports for a binary it cannot load', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hm-native-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const bogus = join(tmp, 'better_sqlite3.node');
    writeFileSync(bogus, 'not a shared library');
    let code: unknown;
    try {
      new Database(':memory:', { nativeBinding: bogus }).close();
    } catch (err) {
      code = (err as { code?: unknown }).code;
    }
    expect(explainLoadFailure(node, code)?.code).toBe(ErrorCode.NativeAbiMismatch);
  });
});

describe('parseManifest', () => {
  it('reads a complete build.json and nothing else', () => {
    expect(parseManifest(JSON.stringify(manifest))).toEqual(manifest);
    expect(parseManifest(JSON.stringify({ ...manifest, extra: 1 }))).toEqual(manifest);
    expect(parseManifest('{')).toBeNull();
    expect(parseManifest('null')).toBeNull();
    expect(parseManifest(JSON.stringify({ ...manifest, modules: 145 }))).toBeNull();
    expect(parseManifest(JSON.stringify({ ...manifest, arch: '' }))).toBeNull();
  });
});

describe('this process (plain Node)', () => {
  it('uses the build in node_modules, and it opens a database', () => {
    expect(currentRuntime().electron).toBeUndefined();
    expect(currentRuntime().packaged).toBe(false);
    expect(sqliteNativeBinding()).toBeUndefined();
    const db = new Database(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    db.close();
  });
});
