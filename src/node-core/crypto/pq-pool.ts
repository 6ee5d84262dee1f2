import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { falcon1024 } from '@noble/post-quantum/falcon.js';
import { TrustError } from './errors';

export type PqAlgorithm = 'ml-dsa-65' | 'falcon-1024';

/** Signs with post-quantum keys; one pure-JS signature costs ~10–25 ms, so a CA runs them off the main thread. */
export interface PqSigner {
  sign(alg: PqAlgorithm, message: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Verifies post-quantum signatures off the main thread: one pure-JS ML-DSA check costs ~2–4 ms, and a meshed node
 * checks one per announcement it hears; in a worker, STOQ, libp2p and the UI's API keep their thread meanwhile.
 * Malformed keys or signatures resolve to false, as verifyNow does.
 */
export interface PqVerifier {
  verify(alg: PqAlgorithm, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>;
}

/** Same thread, for tools and tests where blocking does not matter. */
export function createInlinePqSigner(): PqSigner {
  return {
    sign: async (alg, message, secretKey) => signNow(alg, message, secretKey),
    close: async () => undefined,
  };
}

export function signNow(alg: PqAlgorithm, message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return alg === 'ml-dsa-65' ? ml_dsa65.sign(message, secretKey) : falcon1024.sign(message, secretKey);
}

export function verifyNow(
  alg: PqAlgorithm,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    return alg === 'ml-dsa-65'
      ? ml_dsa65.verify(signature, message, publicKey)
      : falcon1024.verify(signature, message, publicKey);
  } catch {
    return false; // malformed keys or signatures are a failed verification, not a crash
  }
}

// The worker is evaluated from a string so it works the same from Vitest (TypeScript sources), the bundled CLI and
// Electron's main process; the libraries are located here, where module resolution is known to work.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
Promise.all([import(pathToFileURL(workerData.mldsa).href), import(pathToFileURL(workerData.falcon).href)]).then(
  ([m, f]) => {
    const scheme = (alg) => (alg === 'ml-dsa-65' ? m.ml_dsa65 : f.falcon1024);
    parentPort.on('message', (task) => {
      if (task.op === 'verify') {
        let ok = false;
        try {
          ok = scheme(task.alg).verify(task.sig, task.message, task.key) === true;
        } catch {
          ok = false;
        }
        parentPort.postMessage({ id: task.id, ok });
        return;
      }
      try {
        const sig = scheme(task.alg).sign(task.message, task.key);
        parentPort.postMessage({ id: task.id, sig }, [sig.buffer]);
      } catch (err) {
        parentPort.postMessage({ id: task.id, error: String(err && err.message || err) });
      }
    });
    parentPort.postMessage({ ready: true });
  },
  (err) => parentPort.postMessage({ fatal: String(err) }),
);
`;

interface Pending {
  resolve(result: Uint8Array | boolean): void;
  reject(err: Error): void;
}

interface PoolWorker {
  readonly worker: Worker;
  busy: number;
  readonly pending: Map<number, Pending>;
}

/**
 * A small pool of worker threads for PQ signatures, so issuance scales with cores and the node's event loop (STOQ,
 * the API) keeps running while a CA signs. Started lazily; an idle worker does not keep the process alive, a busy one
 * does (until its tasks settle).
 */
export function createPqWorkerPool(size = Math.max(1, Math.min(4, availableParallelism()))): PqSigner & PqVerifier {
  const require = createRequire(import.meta.url);
  const paths = {
    mldsa: require.resolve('@noble/post-quantum/ml-dsa.js'),
    falcon: require.resolve('@noble/post-quantum/falcon.js'),
  };
  const workers: PoolWorker[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (): PoolWorker => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: paths });
    const entry: PoolWorker = { worker, busy: 0, pending: new Map() };
    worker.on('message', (msg: { id?: number; sig?: Uint8Array; ok?: boolean; error?: string; fatal?: string }) => {
      if (msg.fatal) return failAll(entry, new TrustError(`post-quantum worker failed to start: ${msg.fatal}`));
      if (msg.id === undefined) return;
      const p = entry.pending.get(msg.id);
      if (!p) return;
      entry.pending.delete(msg.id);
      entry.busy--;
      idleUnref(entry);
      if (msg.sig) p.resolve(new Uint8Array(msg.sig));
      else if (msg.ok !== undefined) p.resolve(msg.ok);
      else p.reject(new TrustError(`post-quantum signing failed: ${msg.error ?? 'unknown error'}`));
    });
    worker.on('error', (err) => failAll(entry, new TrustError(`post-quantum worker crashed: ${err.message}`)));
    worker.on('exit', () => {
      failAll(entry, new TrustError('post-quantum worker exited'));
      const i = workers.indexOf(entry);
      if (i >= 0) workers.splice(i, 1);
    });
    // After the listeners: adding a 'message' listener refs the worker again. An idle worker keeps nothing alive;
    // run() refs it while it has tasks, so a process that awaits only pool work does not exit half-way (code 13).
    worker.unref();
    workers.push(entry);
    return entry;
  };

  const idleUnref = (entry: PoolWorker) => {
    if (entry.pending.size === 0) entry.worker.unref();
  };

  const failAll = (entry: PoolWorker, err: Error) => {
    for (const p of entry.pending.values()) p.reject(err);
    entry.pending.clear();
    entry.busy = 0;
    entry.worker.unref();
  };

  /** Runs a task on the least busy worker (a new one while all are busy and the pool is not full). */
  const run = (task: Record<string, unknown>): Promise<Uint8Array | boolean> => {
    if (closed) return Promise.reject(new TrustError('the post-quantum pool is closed'));
    let target = workers.reduce<PoolWorker | undefined>((a, w) => (!a || w.busy < a.busy ? w : a), undefined);
    if (!target || (target.busy > 0 && workers.length < size)) target = spawn();
    const chosen = target;
    const id = nextId++;
    chosen.busy++;
    return new Promise((resolve, reject) => {
      if (chosen.pending.size === 0) chosen.worker.ref();
      chosen.pending.set(id, { resolve, reject });
      chosen.worker.postMessage({ id, ...task });
    });
  };

  return {
    async sign(alg, message, secretKey) {
      // Copies: the caller's buffers stay usable, and secret keys are never transferred away.
      const sig = await run({ alg, message: Uint8Array.from(message), key: Uint8Array.from(secretKey) });
      if (!(sig instanceof Uint8Array)) throw new TrustError('post-quantum signing failed: no signature');
      return sig;
    },
    async verify(alg, signature, message, publicKey) {
      const task = { op: 'verify', alg, sig: exact(signature), message: exact(message), key: exact(publicKey) };
      return (await run(task)) === true;
    },
    async close() {
      closed = true;
      await Promise.all(workers.splice(0).map((w) => w.worker.terminate()));
    },
  };
}

/** The bytes of a view alone: posting a view to a worker copies its whole underlying buffer (a pool slab, say). */
function exact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Uint8Array.from(bytes);
}

let sharedVerifier: PqVerifier | undefined;

/**
 * A process-wide verification pool, started on first use: one worker per core but one (the main thread keeps a core
 * for STOQ and libp2p). Its workers do not keep the process alive, and nobody closes it for the others.
 */
export function sharedPqVerifier(): PqVerifier {
  sharedVerifier ??= createPqWorkerPool(Math.max(1, availableParallelism() - 1));
  return sharedVerifier;
}
