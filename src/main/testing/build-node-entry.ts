import { buildEntry } from '../../node-core/testing/build-entry';

/**
 * Builds the real node entry (src/main/node-process.ts) for plain Node, as electron-vite builds it for the app, so
 * tests can run it in a real child process.
 */
export function buildNodeEntry(): Promise<string> {
  return buildEntry('src/main/node-process.ts', 'node-process');
}
