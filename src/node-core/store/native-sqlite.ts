import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import {
  BINARY_NAME,
  MANIFEST_NAME,
  chooseSqliteBinding,
  electronCacheDir,
  parseManifest,
  type ElectronBuildFacts,
  type ElectronBuildManifest,
  type NativeRuntime,
} from './native-binding';

export { explainLoadFailure, NativeModuleError } from './native-binding';

/** This process's runtime, as the binding choice needs it. */
export function currentRuntime(root = packageRoot()): NativeRuntime {
  return {
    electron: process.versions.electron,
    modules: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    packaged: /[\\/]app\.asar([\\/]|$)/.test(root),
  };
}

/** The folder that holds node_modules (the checkout, or the installed app's app.asar). */
function packageRoot(): string {
  const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  return dirname(dirname(dirname(pkg)));
}

function betterSqlite3Version(): string {
  const pkg = createRequire(import.meta.url)('better-sqlite3/package.json') as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '';
}

function readBuild(dir: string): ElectronBuildFacts {
  let manifest: ElectronBuildManifest | null;
  try {
    manifest = parseManifest(readFileSync(`${dir}/${MANIFEST_NAME}`, 'utf8'));
  } catch {
    manifest = null; // no build.json: no build
  }
  return { dir, manifest, binaryPresent: existsSync(`${dir}/${BINARY_NAME}`) };
}

let chosen: string | undefined | null = null;

/**
 * The `nativeBinding` option for better-sqlite3: undefined under plain Node (its own build in node_modules), the
 * cached Electron build under Electron. Throws a NativeModuleError saying what to run when there is none.
 */
export function sqliteNativeBinding(): string | undefined {
  if (chosen !== null) return chosen;
  const root = packageRoot();
  const runtime = currentRuntime(root);
  const build = runtime.electron === undefined ? null : readBuild(electronCacheDir(root, runtime.electron));
  const choice = chooseSqliteBinding(runtime, build, betterSqlite3Version());
  chosen = choice.kind === 'file' ? choice.path : undefined;
  return chosen;
}
