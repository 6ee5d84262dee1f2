import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from './support/fixtures';
import { CLI, NodeProcess, newDataDir } from './support/node-process';

const run = promisify(execFile);

test.describe('hypermesh CLI against a running node', () => {
  test.skip(({ target }) => target !== 'web', 'CLI specs need no window');

  test('status and settings go through the running node; SIGINT shuts down cleanly', async () => {
    const node = new NodeProcess(newDataDir());
    await node.start();
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/);
    const status = await run(process.execPath, [CLI, 'status', '--data-dir', node.dataDir]);
    expect(status.stdout).toContain('Sharing:  off');
    await run(process.execPath, [CLI, 'settings', 'set', 'allocation.gpu', '15', '--data-dir', node.dataDir]);
    expect((await node.call<{ allocation: { gpu: number } }>('getSettings')).allocation.gpu).toBe(15);

    const second = new NodeProcess(node.dataDir);
    await expect(second.start()).rejects.toThrow(/already using/);

    expect(await node.stop()).toBe(0);
    expect(node.stderr).toContain('SIGINT: stopping the node');
    expect(existsSync(join(node.dataDir, 'node.lock'))).toBe(false);
    expect(existsSync(join(node.dataDir, 'api.json'))).toBe(false);
    await expect(run(process.execPath, [CLI, 'status', '--data-dir', node.dataDir])).rejects.toMatchObject({ code: 3 });
  });
});
