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
    parentPort.on('message', (task) => {
      try {
        const sig = task.alg === 'ml-dsa-65' ? m.ml_dsa65.sign(task.message, task.key) : f.falcon1024.sign(task.message, task.key);
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
  resolve(sig: Uint8Array): void;
  reject(err: Error): void;
}

interface PoolWorker {
  readonly worker: Worker;
  busy: number;
  readonly pending: Map<number, Pending>;
}

/**
 * A small pool of worker threads for PQ signatures, so issuance scales with cores and the node's event loop (STOQ,
 * the API) keeps running while a CA signs. Started lazily; workers do not keep the process alive.
 */
export function createPqWorkerPool(size = Math.max(1, Math.min(4, availableParallelism()))): PqSigner {
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
    worker.on('message', (msg: { id?: number; sig?: Uint8Array; error?: string; fatal?: string }) => {
      if (msg.fatal) return failAll(entry, new TrustError(`post-quantum worker failed to start: ${msg.fatal}`));
      if (msg.id === undefined) return;
      const p = entry.pending.get(msg.id);
      if (!p) return;
      entry.pending.delete(msg.id);
      entry.busy--;
      if (msg.sig) p.resolve(new Uint8Array(msg.sig));
      else p.reject(new TrustError(`post-quantum signing failed: ${msg.error ?? 'unknown error'}`));
    });
    worker.on('error', (err) => failAll(entry, new TrustError(`post-quantum worker crashed: ${err.message}`)));
    worker.on('exit', () => {
      failAll(entry, new TrustError('post-quantum worker exited'));
      const i = workers.indexOf(entry);
      if (i >= 0) workers.splice(i, 1);
    });
    // After the listeners: adding a 'message' listener refs the worker again, keeping the process alive.
    worker.unref();
    workers.push(entry);
    return entry;
  };

  const failAll = (entry: PoolWorker, err: Error) => {
    for (const p of entry.pending.values()) p.reject(err);
    entry.pending.clear();
    entry.busy = 0;
  };

  return {
    sign(alg, message, secretKey) {
      if (closed) return Promise.reject(new TrustError('the signing pool is closed'));
      let target = workers.reduce<PoolWorker | undefined>((a, w) => (!a || w.busy < a.busy ? w : a), undefined);
      if (!target || (target.busy > 0 && workers.length < size)) target = spawn();
      const chosen = target;
      const id = nextId++;
      chosen.busy++;
      return new Promise<Uint8Array>((resolve, reject) => {
        chosen.pending.set(id, { resolve, reject });
        // Copies: the caller's buffers stay usable, and secret keys are never transferred away.
        chosen.worker.postMessage({ id, alg, message: Uint8Array.from(message), key: Uint8Array.from(secretKey) });
      });
    },
    async close() {
      closed = true;
      await Promise.all(workers.splice(0).map((w) => w.worker.terminate()));
    },
  };
}
