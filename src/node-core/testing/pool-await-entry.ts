// A process whose only pending work is a worker-pool task, awaited at the top level as a benchmark or a CLI command
// awaits it. Node exits with code 13 ("unsettled top-level await") if the pool's workers keep nothing alive.
// argv: pq|consensus|vm, then close|leave (leave: the pool stays open, and its idle workers must not hold the
// process). vm: a job process pool with a warm idle child, closed (close() awaits the children's exit).
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { createConsensusWorkerPool } from '../consensus/compute';
import { createPqWorkerPool, verifyNow } from '../crypto';
import { createChildPool } from '../vm/child-pool';

const [kind, after] = process.argv.slice(2);
if (kind === 'pq') {
  const pool = createPqWorkerPool(1);
  const keys = ml_dsa65.keygen(new Uint8Array(32).fill(7));
  const message = new TextEncoder().encode('pool work');
  const sig = await pool.sign('ml-dsa-65', message, keys.secretKey);
  const ok = await pool.verify('ml-dsa-65', sig, message, keys.publicKey);
  process.stdout.write(`pq ${String(ok && verifyNow('ml-dsa-65', sig, message, keys.publicKey))}\n`);
  if (after === 'close') await pool.close();
} else if (kind === 'vm') {
  const pool = createChildPool({ warm: 1 });
  const child = await pool.acquire('wasm');
  pool.refill(); // a warm child, idle: unref'd
  child.kill();
  const exit = await child.exited; // the job's child (ref'd) is gone: only the idle one is left
  process.stdout.write(`vm ${String(exit.signal)}\n`);
  if (after === 'close') await pool.close();
} else {
  const pool = createConsensusWorkerPool(1);
  const chain = await pool.timeChain(new Uint8Array(32).fill(1), 20_000, 10_000);
  process.stdout.write(`consensus ${chain.length}\n`);
  if (after === 'close') await pool.close();
}
