import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { runMessage, type JobExecutor, type SandboxResult } from '../src/node-core/vm/sandbox';
import { sandboxWorkerMain, type WorkerDoneMessage } from '../src/node-core/vm/sandbox-worker';

/**
 * The baseline: the same job runner (sandbox-worker.ts) in one worker thread of this process, reused from job to
 * job as the sandbox did before issue #26 (no limits enforced from outside: the cheapest a thread could be).
 */
export function threadRunner(): JobExecutor {
  const quickjs = createRequire(import.meta.url).resolve('quickjs-emscripten');
  const source = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { randomFillSync } = require('node:crypto');
const cpuMs = () => {
  const f = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
(${sandboxWorkerMain.toString()})({
  parentPort, randomFillSync, cpuMs, preload: true, id: null, quickjs: () => require(${JSON.stringify(quickjs)}),
});`;
  const worker = new Worker(source, { eval: true });
  const ready = new Promise<void>((resolve) => worker.once('message', () => resolve()));
  let id = 0;
  return {
    async run(job) {
      await ready;
      const prepared = runMessage(job);
      if ('refused' in prepared) return prepared.refused;
      const mine = ++id;
      return new Promise<SandboxResult>((resolve) => {
        const onMessage = (m: WorkerDoneMessage): void => {
          if (m.id !== mine) return;
          worker.off('message', onMessage);
          resolve({
            exitCode: m.exitCode,
            output: m.output,
            stderr: m.stderr,
            usage: { cpuMs: m.cpuMs, wallMs: m.wallMs, memoryPeakBytes: m.memoryPeakBytes },
            failure: m.failure as SandboxResult['failure'],
          });
        };
        worker.on('message', onMessage);
        worker.postMessage({ ...prepared.message, id: mine });
      });
    },
    close: () => worker.terminate().then(() => undefined),
  };
}
