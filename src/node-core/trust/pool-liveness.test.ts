import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEntry } from '../testing/build-entry';

let entry = '';
beforeAll(async () => {
  entry = await buildEntry('src/node-core/testing/pool-await-entry.ts', 'pool-await');
});

/** Runs the built entry in its own Node process; resolves with its exit code and stdout. */
function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

// Benchmarks (and any command) that await only pool work: before the pools held a ref while busy, Node found
// nothing keeping these processes alive and exited with code 13 half-way.
describe('worker pools keep a process alive while they have work, and only then', () => {
  for (const kind of ['pq', 'consensus'] as const) {
    it(`${kind}: a process awaiting only pool work finishes it and exits 0`, async () => {
      const result = await run([kind, 'close']);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out).toBe(kind === 'pq' ? 'pq true\n' : 'consensus 2\n');
    });

    it(`${kind}: an idle pool left open does not hold the process (it exits 0 by itself)`, async () => {
      const result = await run([kind, 'leave']);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(new RegExp(`^${kind} `));
    });
  }

  it('vm: a process awaiting only the job process pool closing (it kills and awaits its children) exits 0', async () => {
    const result = await run(['vm', 'close']);
    expect(result.code).toBe(0);
    expect(result.out).toBe('vm SIGKILL\n');
  });
});
