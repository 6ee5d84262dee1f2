import { afterEach } from 'vitest';
import { LogBook } from '../logging/log-book';
import { createNode, type HyperMeshNode, type NodeConfig, type NodeOverrides } from '../node';
import { fixedHardware } from './fixed-hardware';
import { useTempDirs } from './temp-dir';

/**
 * Real nodes in the test's process, listening on ::1 (any port), each with its own data directory and the fixed
 * hardware reading, all stopped after each test. `defaults` are the test file's shortened intervals.
 */
export function useNodes(defaults: Partial<NodeConfig> = {}): StartNode {
  const tempDir = useTempDirs();
  const running: HyperMeshNode[] = [];
  // Registered after the temporary directories, so it runs before they are removed.
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.stop()));
  });
  return async (config = {}, overrides = {}) => {
    const node = createNode(
      { dataDir: tempDir(), listen: { host: '::1', port: 0 }, ...defaults, ...config },
      { hardware: fixedHardware(), logBook: new LogBook({ echo: !!process.env.HM_DEBUG }), ...overrides },
    );
    running.push(node);
    await node.start();
    return node;
  };
}

export type StartNode = (config?: Partial<NodeConfig>, overrides?: NodeOverrides) => Promise<HyperMeshNode>;

export { certify } from './certify';
export { sharePublicly } from './share';
