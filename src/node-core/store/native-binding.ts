import { ErrorCode, HyperMeshError } from '../../shared/errors';

/**
 * Which better-sqlite3 binary this runtime loads. better-sqlite3 is not N-API: a binary works only under the
 * NODE_MODULE_VERSION it was built for. npm builds one for Node in node_modules (tests, the headless node); the desktop
 * app under Electron loads a second one, built by `npm run native:electron` into `native-cache/electron-<version>/`.
 * Pure policy: the caller reads the facts (process.versions, the cache's build.json) and loads the choice.
 */

/** The command that (re)builds the Electron copy, from a checkout. */
export const ELECTRON_BUILD_COMMAND = 'npm run native:electron';
/** The command that (re)builds the Node copy, from a checkout. */
export const NODE_BUILD_COMMAND = 'npm rebuild better-sqlite3';

export interface NativeRuntime {
  /** process.versions.electron; absent under plain Node. */
  readonly electron?: string | undefined;
  /** process.versions.modules: the NODE_MODULE_VERSION this runtime loads. */
  readonly modules: string;
  readonly platform: string;
  readonly arch: string;
  /** Running from an installed app (inside app.asar) rather than a checkout: there is no npm to run. */
  readonly packaged: boolean;
}

/** What `native-cache/electron-<version>/build.json` records about the binary beside it. */
export interface ElectronBuildManifest {
  readonly electron: string;
  readonly modules: string;
  readonly platform: string;
  readonly arch: string;
  readonly betterSqlite3: string;
}

export interface ElectronBuildFacts {
  /** The build's directory, `native-cache/electron-<version>`. */
  readonly dir: string;
  /** Its build.json, or null when there is none (or it does not read). */
  readonly manifest: ElectronBuildManifest | null;
  /** Whether `better_sqlite3.node` is there. */
  readonly binaryPresent: boolean;
}

export type BindingChoice =
  /** Plain Node: better-sqlite3's own lookup finds the build in node_modules. */
  | { readonly kind: 'default' }
  /** Electron: the cached build for this Electron version. */
  | { readonly kind: 'file'; readonly path: string };

export type NativeFailureCode = typeof ErrorCode.NativeBuildMissing | typeof ErrorCode.NativeAbiMismatch;

/** A native module cannot load here; `command` is what the user runs to fix it (null in an installed app). */
export class NativeModuleError extends HyperMeshError {
  readonly command: string | null;
  constructor(code: NativeFailureCode, message: string, command: string | null) {
    super(code, message);
    this.command = command;
  }
}

export const BINARY_NAME = 'better_sqlite3.node';
export const MANIFEST_NAME = 'build.json';

/** `native-cache/electron-<version>` under the checkout (or app) root; `/` joins, which Node accepts on Windows too. */
export function electronCacheDir(root: string, electronVersion: string): string {
  return `${root}/native-cache/electron-${electronVersion}`;
}

function fixHint(runtime: NativeRuntime, command: string): { text: string; command: string | null } {
  return runtime.packaged
    ? { text: 'reinstall HyperMesh (this installation is incomplete)', command: null }
    : { text: `run \`${command}\` in the HyperMesh folder, then start again`, command };
}

/** Chooses the binary for this runtime, or throws a NativeModuleError that says what to run. */
export function chooseSqliteBinding(
  runtime: NativeRuntime,
  electronBuild: ElectronBuildFacts | null,
  betterSqlite3Version: string,
): BindingChoice {
  if (runtime.electron === undefined) return { kind: 'default' };
  const hint = fixHint(runtime, ELECTRON_BUILD_COMMAND);
  const manifest = electronBuild?.manifest ?? null;
  if (!electronBuild || !manifest || !electronBuild.binaryPresent) {
    throw new NativeModuleError(
      ErrorCode.NativeBuildMissing,
      `better-sqlite3 has no build for Electron ${runtime.electron} (NODE_MODULE_VERSION ${runtime.modules}) yet; ` +
        `${hint.text}`,
      hint.command,
    );
  }
  const wanted: ElectronBuildManifest = {
    electron: runtime.electron,
    modules: runtime.modules,
    platform: runtime.platform,
    arch: runtime.arch,
    betterSqlite3: betterSqlite3Version,
  };
  const differs = (Object.keys(wanted) as (keyof ElectronBuildManifest)[]).filter((k) => manifest[k] !== wanted[k]);
  if (differs.length > 0) {
    const found = differs.map((k) => `${k} ${manifest[k]} instead of ${wanted[k]}`).join(', ');
    throw new NativeModuleError(
      ErrorCode.NativeAbiMismatch,
      `the better-sqlite3 build in ${electronBuild.dir} is for another runtime (${found}); ${hint.text}`,
      hint.command,
    );
  }
  return { kind: 'file', path: `${electronBuild.dir}/${BINARY_NAME}` };
}

/**
 * Explains a failure to load the chosen binary. Node reports a binary built for another NODE_MODULE_VERSION (or
 * platform) with the code ERR_DLOPEN_FAILED; anything else is not a native-module problem and gets null.
 */
export function explainLoadFailure(runtime: NativeRuntime, errorCode: unknown): NativeModuleError | null {
  if (errorCode !== 'ERR_DLOPEN_FAILED') return null;
  const underElectron = runtime.electron !== undefined;
  const hint = fixHint(runtime, underElectron ? ELECTRON_BUILD_COMMAND : NODE_BUILD_COMMAND);
  const who = underElectron ? `Electron ${runtime.electron ?? ''}` : `Node ${runtime.platform}-${runtime.arch}`;
  return new NativeModuleError(
    ErrorCode.NativeAbiMismatch,
    `better-sqlite3 was built for another runtime than this ${who} (NODE_MODULE_VERSION ${runtime.modules}); ` +
      `${hint.text}`,
    hint.command,
  );
}

/** Reads a build.json's text; null when it is not a complete manifest. */
export function parseManifest(text: string): ElectronBuildManifest | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const fields = ['electron', 'modules', 'platform', 'arch', 'betterSqlite3'] as const;
  if (!fields.every((f) => typeof v[f] === 'string' && v[f] !== '')) return null;
  return {
    electron: v['electron'] as string,
    modules: v['modules'] as string,
    platform: v['platform'] as string,
    arch: v['arch'] as string,
    betterSqlite3: v['betterSqlite3'] as string,
  };
}
