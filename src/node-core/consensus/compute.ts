import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { createWorkerPool } from '../crypto/index';
import { ConsensusError } from './errors';
import type { WorkDifficulty } from './params';
import { sectorHashesNow, solveWorkNow, timeChainNow } from './primitives';

/**
 * The heavy, deterministic parts of making a proof: hashing every sector of the space commitment, the sequential
 * time chain and the PoWork nonce search. The worker pool runs them off the main thread (they take tens to
 * hundreds of ms); the inline variant runs them in place, for tests and tools.
 */
export interface ConsensusCompute {
  /** SHA-256 of each of `count` sectors expanded from `key`. */
  sectorHashes(key: Uint8Array, count: number, sectorSize: number): Promise<Uint8Array[]>;
  /** The checkpoints of a `steps`-long SHA-256 chain from `seed`, one every `interval` steps. */
  timeChain(seed: Uint8Array, steps: number, interval: number): Promise<Uint8Array[]>;
  /** The first nonce solving the scrypt puzzle over `headerDigest`. */
  solveWork(headerDigest: Uint8Array, difficulty: WorkDifficulty): Promise<number>;
  close(): Promise<void>;
}

export function createInlineConsensusCompute(): ConsensusCompute {
  return {
    sectorHashes: async (key, count, size) => sectorHashesNow(key, count, size),
    timeChain: async (seed, steps, interval) => timeChainNow(seed, steps, interval),
    solveWork: async (headerDigest, difficulty) => solveWorkNow(headerDigest, difficulty),
    close: async () => undefined,
  };
}

// Evaluated from a string so it runs the same from Vitest (TypeScript sources), the bundled CLI and Electron's
// main process (the pattern of crypto/pq-pool.ts). It must compute exactly what primitives.ts computes; a test
// compares the two.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const crypto = require('node:crypto');
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const lzb = (bytes) => { let n = 0; for (const b of bytes) { if (b === 0) { n += 8; continue; } return n + Math.clz32(b) - 24; } return n; };
import(pathToFileURL(workerData.sha2).href).then(
  ({ sha256 }) => {
    const run = (t) => {
      if (t.op === 'sectors') {
        const out = new Uint8Array(t.count * 32);
        for (let i = 0; i < t.count; i++) {
          const sector = crypto.createHash('shake256', { outputLength: t.size }).update(t.key).update(u32(i)).digest();
          out.set(crypto.createHash('sha256').update(sector).digest(), i * 32);
        }
        return out;
      }
      if (t.op === 'time') {
        const out = new Uint8Array((t.steps / t.interval) * 32);
        let x = Uint8Array.from(t.seed);
        for (let c = 0, done = 0; done < t.steps; c++, done += t.interval) {
          for (let i = 0; i < t.interval; i++) x = sha256(x);
          out.set(x, c * 32);
        }
        return out;
      }
      if (t.op === 'work') {
        const N = 2 ** t.log2N;
        const salt = 'hypermesh/consensus/work/v1\\0';
        const maxmem = 256 * N * t.r * t.p + 1024 * 1024;
        const limit = 2 ** Math.min(52, t.bits + 12);
        for (let nonce = 0; nonce < limit; nonce++) {
          const out = crypto.scryptSync(Buffer.concat([t.header, u64(nonce)]), salt, 32, { N, r: t.r, p: t.p, maxmem });
          if (lzb(out) >= t.bits) return nonce;
        }
        throw new Error('no PoWork nonce found in ' + limit + ' attempts');
      }
      throw new Error('unknown task ' + t.op);
    };
    parentPort.on('message', (task) => {
      try {
        const result = run(task);
        if (typeof result === 'number') parentPort.postMessage({ id: task.id, result });
        else parentPort.postMessage({ id: task.id, result }, [result.buffer]);
      } catch (err) {
        parentPort.postMessage({ id: task.id, error: String((err && err.message) || err) });
      }
    });
  },
  (err) => parentPort.postMessage({ fatal: String(err) }),
);
`;

type Task =
  | { op: 'sectors'; key: Uint8Array; count: number; size: number }
  | { op: 'time'; seed: Uint8Array; steps: number; interval: number }
  | { op: 'work'; header: Uint8Array; log2N: number; r: number; p: number; bits: number };

function split(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 32) out.push(bytes.subarray(i, i + 32));
  return out;
}

/**
 * A small pool of worker threads (default: up to 3, one per part that can run concurrently). Started lazily;
 * an idle worker does not keep the process alive, a busy one does. Close it when done.
 */
export function createConsensusWorkerPool(size = Math.max(1, Math.min(3, availableParallelism()))): ConsensusCompute {
  const require = createRequire(import.meta.url);
  const pool = createWorkerPool<Uint8Array | number, { id?: number; result?: Uint8Array | number; error?: string }>({
    source: WORKER_SOURCE,
    workerData: { sha2: require.resolve('@noble/hashes/sha2.js') },
    size,
    name: 'consensus worker',
    taskFailed: 'consensus worker task failed',
    error: (message) => new Error(message),
    closed: () => new ConsensusError('params', 'the consensus worker pool is closed'),
    result: (reply) => reply.result,
  });
  const run = (task: Task): Promise<Uint8Array | number> => pool.run(task);

  const bytes = async (task: Task): Promise<Uint8Array> => {
    const r = await run(task);
    if (!(r instanceof Uint8Array)) throw new Error('consensus worker returned no bytes');
    return r;
  };

  return {
    sectorHashes: async (key, count, size) => split(await bytes({ op: 'sectors', key, count, size })),
    timeChain: async (seed, steps, interval) => split(await bytes({ op: 'time', seed, steps, interval })),
    async solveWork(header, d) {
      const r = await run({ op: 'work', header, log2N: d.log2N, r: d.r, p: d.p, bits: d.difficultyBits });
      if (typeof r !== 'number') throw new Error('consensus worker returned no nonce');
      return r;
    },
    close: () => pool.close(),
  };
}

let shared: ConsensusCompute | undefined;

/** A process-wide pool, started on first use (its workers do not keep the process alive). */
export function sharedConsensusCompute(): ConsensusCompute {
  if (!shared) {
    const pool = createConsensusWorkerPool();
    shared = { ...pool, close: async () => undefined }; // shared: nobody closes it for the others
  }
  return shared;
}
