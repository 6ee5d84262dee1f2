import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { falcon1024 } from '@noble/post-quantum/falcon.js';
import { TrustError } from './errors';
import { createWorkerPool } from './worker-pool';

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
  const pool = createWorkerPool<Uint8Array | boolean, { id?: number; sig?: Uint8Array; ok?: boolean; error?: string }>({
    source: WORKER_SOURCE,
    workerData: paths,
    size,
    name: 'post-quantum worker',
    taskFailed: 'post-quantum signing failed',
    error: (message) => new TrustError(message),
    closed: () => new TrustError('the post-quantum pool is closed'),
    result: (reply) => (reply.sig ? new Uint8Array(reply.sig) : reply.ok),
  });
  const run = (task: Record<string, unknown>): Promise<Uint8Array | boolean> => pool.run(task);

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
    close: () => pool.close(),
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
