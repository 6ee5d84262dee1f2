import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteAssetView } from '../../src/shared/mesh';
import { INFINITE_LOOP_WAT, MEMORY_BOMB_WAT, OUTPUT_FLOOD_WAT, compileWat } from '../../src/node-core/vm/testing';
import { CLI, MeshProcess, until } from './cluster';

/**
 * `hypermesh job run` returns the job's outcome as its exit status (README's exit-code table): 0 when the program
 * succeeded, 4 when it exited non-zero, 5 when the job failed (a limit, a trap, an error). A CA, a provider A and a
 * consumer B, each its own process; every job runs on A through B's command line. The limits not under test are
 * given plenty of room.
 */
let ca: MeshProcess;
let a: MeshProcess;
let b: MeshProcess;
let aId = '';

const exec = promisify(execFile);

const EXIT_76_WAT = `(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 76))))`;
const TRAP_WAT = `(module (memory (export "memory") 1) (func (export "_start") unreachable))`;
const OK_WAT = `(module (memory (export "memory") 1) (func (export "_start")))`;

/** Room for what a case does not test: a loaded machine must not trip a limit the case is not about. */
const ROOM = ['--cpu-seconds', '600', '--wall-seconds', '900', '--memory-mib', '128', '--output-kib', '768'];

async function jobRun(kind: 'wasm' | 'js', file: string, limits: readonly string[]) {
  // Later flags win: each case's own limit overrides the room given to the others.
  const argv = [CLI, 'job', 'run', `--${kind}`, file, '--provider', aId, ...ROOM, ...limits, '--data-dir', b.dataDir];
  try {
    const r = await exec(process.execPath, argv, { timeout: 1_200_000 });
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  ca = new MeshProcess('job-exit-ca', 0, ['trust', 'serve', '--name', 'Job Exit CA']);
  await ca.start();
  a = new MeshProcess('job-exit-a', 0);
  b = new MeshProcess('job-exit-b', 0);
  await Promise.all([a, b].map((p) => p.start()));
  for (const p of [a, b]) {
    await p.call('updateSettings', {
      trust: { caAddress: ca.stoqAddress },
      mesh: { bootstrap: ca.stoqAddress, mdns: false },
    });
  }
  await a.call('updateSettings', {
    privacyLevel: 'FullPublic',
    allocationType: 'Public',
    allocation: { cpu: 50, memory: 10 },
  });
  aId = (await a.call<{ nodeId: string }>('getStatus')).nodeId;
  await until(
    'B to find A\u2019s CPU and memory',
    async () => {
      const cpu = await b.call<RemoteAssetView[]>('searchAssets', { kind: 'cpu' });
      const memory = await b.call<RemoteAssetView[]>('searchAssets', { kind: 'memory' });
      return cpu.some((h) => h.owner === aId) && memory.some((h) => h.owner === aId) ? true : undefined;
    },
    120_000,
  );
}, 240_000);

afterAll(async () => {
  await Promise.all([ca, a, b].map((p) => p.stop()));
  for (const p of [ca, a, b]) p.removeData();
});

describe('hypermesh job run exits with the job outcome', () => {
  it('WebAssembly: 0 on success, 4 with the status for a non-zero exit, 5 for a trap and each limit', async () => {
    const file = async (name: string, wat: string) => {
      const path = join(b.dataDir, `${name}.wasm`);
      writeFileSync(path, await compileWat(wat));
      return path;
    };
    const ok = await jobRun('wasm', await file('ok', OK_WAT), []);
    expect(ok.code, ok.stderr).toBe(0);

    const exited = await jobRun('wasm', await file('exit76', EXIT_76_WAT), []);
    expect(exited.code, exited.stderr).toBe(4);
    expect(exited.stderr).toMatch(/exited with status 76/);

    const cases: [string, string, readonly string[], string][] = [
      ['trap', TRAP_WAT, [], 'trap'],
      ['cpu', INFINITE_LOOP_WAT, ['--cpu-seconds', '1'], 'cpu-limit'],
      ['wall', INFINITE_LOOP_WAT, ['--wall-seconds', '2'], 'wall-limit'],
      ['memory', MEMORY_BOMB_WAT, ['--memory-mib', '8'], 'memory-limit'],
      ['output', OUTPUT_FLOOD_WAT, ['--output-kib', '1'], 'output-limit'],
    ];
    for (const [name, wat, limits, reason] of cases) {
      const r = await jobRun('wasm', await file(name, wat), limits);
      expect(r.code, `${name}: ${r.stderr}`).toBe(5);
      expect(r.stderr, name).toContain(`job failed: ${reason}`);
    }
  }, 900_000);

  it('JavaScript: 0 on success, 5 for a throw and each limit', async () => {
    const file = (name: string, source: string) => {
      const path = join(b.dataDir, `${name}.js`);
      writeFileSync(path, source);
      return path;
    };
    const ok = await jobRun('js', file('ok', 'print("fine")'), []);
    expect(ok.code, ok.stderr).toBe(0);

    const cases: [string, string, readonly string[], string][] = [
      ['throw', 'throw new Error("the job says no")', [], 'error'],
      ['cpu', 'for (;;) {}', ['--cpu-seconds', '1'], 'cpu-limit'],
      ['wall', 'for (;;) {}', ['--wall-seconds', '2'], 'wall-limit'],
      ['memory', 'const a = []; for (;;) a.push(new Uint8Array(1 << 20));', ['--memory-mib', '8'], 'memory-limit'],
      ['output', 'for (;;) print("y".repeat(1000))', ['--output-kib', '1'], 'output-limit'],
    ];
    for (const [name, source, limits, reason] of cases) {
      const r = await jobRun('js', file(name, source), limits);
      expect(r.code, `${name}: ${r.stderr}`).toBe(5);
      expect(r.stderr, name).toContain(`job failed: ${reason}`);
    }
  }, 900_000);
});
