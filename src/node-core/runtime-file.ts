import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written while a node runs so the CLI can reach its API; private to the user (it holds the token). */
export const RUNTIME_FILE = 'api.json';

export interface RuntimeInfo {
  readonly pid: number;
  readonly origin: string;
  readonly url: string;
  readonly token: string;
}

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(join(dataDir, RUNTIME_FILE), JSON.stringify(info), { mode: 0o600 });
}

export function removeRuntimeInfo(dataDir: string): void {
  rmSync(join(dataDir, RUNTIME_FILE), { force: true });
}

export function readRuntimeInfo(dataDir: string): RuntimeInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as Partial<RuntimeInfo>;
    if (typeof info.origin === 'string' && typeof info.token === 'string' && typeof info.pid === 'number') {
      return info as RuntimeInfo;
    }
  } catch {
    // absent or unreadable: no node to talk to
  }
  return undefined;
}
