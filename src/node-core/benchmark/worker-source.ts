/**
 * The code of one benchmark worker thread, as a string (`new Worker(code, { eval: true })`), so it runs the same
 * from the sources, the tests and the bundled node without a separate file to ship. It lowers its own thread's
 * priority (Linux's nice is per thread), runs one kind of work in short chunks (at least one) until its time is up, and posts
 * `{ ops, elapsedMs }`. Cancelling terminates the thread.
 *
 * - `int`: a Dhrystone-like mix of integer adds, multiplies, shifts, xors and branches (one op per counted step);
 * - `float`: a Whetstone-like mix of double multiplies, adds, divides and square roots;
 * - `memory`: copies a 32 MiB buffer into another; ops are bytes copied.
 */
export const BENCHMARK_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try { require('node:os').setPriority(19); } catch {}
const { kind, durationMs } = workerData;
let start = Date.now();
let ops = 0;
let sink = 0;
if (kind === 'memory') {
  const a = new Float64Array(4 * 1024 * 1024);
  const b = new Float64Array(4 * 1024 * 1024);
  for (let i = 0; i < a.length; i++) a[i] = i;
  start = Date.now(); // the buffers' setup is not copying
  do {
    b.set(a);
    a[ops % a.length] = b[(ops + 1) % b.length];
    ops += a.byteLength;
  } while (Date.now() - start < durationMs);
  sink = b[7];
} else if (kind === 'int') {
  let x = 123456789 | 0;
  let y = 362436069 | 0;
  do {
    for (let i = 0; i < 200000; i++) {
      x = (x + Math.imul(y, 1103515245)) | 0;
      y ^= y << 13; y ^= y >>> 17; y ^= y << 5;
      if ((x & 1) === 0) x = (x >>> 1) | 0; else x = (x + 12345) | 0;
    }
    ops += 200000 * 10;
  } while (Date.now() - start < durationMs);
  sink = x ^ y;
} else {
  let t = 0.499975, u = 1.0, v = 0.75;
  do {
    for (let i = 0; i < 100000; i++) {
      u = (u + v * t) / 2.0;
      v = Math.sqrt(u * u + t) * 0.5;
      t = (t * 0.999 + u - v) / (1.0 + v * v);
    }
    ops += 100000 * 12;
  } while (Date.now() - start < durationMs);
  sink = t + u + v;
}
parentPort.postMessage({ ops, elapsedMs: Date.now() - start, sink });
`;
