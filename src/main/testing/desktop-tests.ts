import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll } from 'vitest';
import { until as waitUntil } from '../../node-core/testing/until';
import { buildNodeEntry } from './build-node-entry';

/** The page main loads: it need not exist, since the Electron double only records what was loaded. */
export const RENDERER_FILE = resolve('out/renderer/index.html');
export const OWN_URL = `${pathToFileURL(RENDERER_FILE).href}#/dashboard`;

/** Builds the node process's entry once for the test file; the getter gives its path from the first test on. */
export function useNodeEntry(): () => string {
  let entry: string | undefined;
  beforeAll(async () => {
    entry = await buildNodeEntry();
  });
  return () => {
    if (entry === undefined) throw new Error('the node entry is built before the first test');
    return entry;
  };
}

/** The cleanups a test pushes, run after it, the last pushed first. */
export function useCleanups(): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

/** Waits (generously: 120 s by default) for a condition that depends on another process. */
export const until = <T>(what: string, probe: () => T | undefined | false, ms = 120_000): Promise<T> =>
  waitUntil(what, probe, ms);
