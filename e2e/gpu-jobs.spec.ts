import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAmount } from '../src/shared/amount';
import type { RemoteAssetView } from '../src/shared/mesh';
import type { JobView } from '../src/shared/vm';
import { REDUCE_WGSL, reduceJob, reduceJs } from '../src/node-core/vm/gpu/testing';
import { CA_NAME, expect, test } from './support/fixtures';
import { joinCa, openUi } from './support/peers';
import { CLI, NodeProcess, newDataDir } from './support/node-process';

/*
 * A GPU job across three processes (issue #24): a CA, a GPU provider in test mode (`--gpu-jobs test`: SwiftShader
 * allowed), and a consumer that runs `hypermesh job run --wgsl FILE --spec JOB.json`. The job runs, its proof
 * checks out, the output is the JavaScript reference's, and the provider is paid on the ledger. Fails (never
 * skips) without a WebGPU adapter: the provider then offers no GPU.
 */

const run = promisify(execFile);
const TIMEOUT = 120_000;

test.describe('GPU jobs between processes', () => {
  test.skip(({ target }) => target !== 'web', 'runs three headless nodes, each in its own process');
  test.describe.configure({ timeout: 420_000 });

  test('a consumer runs a WGSL reduction on a test-mode GPU provider through the CLI, and pays for it', async ({
    browser,
  }) => {
    const ca = new NodeProcess(newDataDir());
    const provider = new NodeProcess(newDataDir());
    const consumer = new NodeProcess(newDataDir());
    try {
      await ca.start(['--name', CA_NAME], ['trust', 'serve']);
      const caAddress = await ca.stoqAddress();
      await ca.call('updateSettings', [{ mesh: { mdns: false } }]);
      await Promise.all([provider.start(['--gpu-jobs', 'test']), consumer.start()]);
      await Promise.all([provider, consumer].map((p) => joinCa(p, caAddress, TIMEOUT)));
      await provider.call('updateSettings', [
        { privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { cpu: 50, memory: 10, gpu: 50 } },
      ]);
      const providerId = (await provider.call<{ nodeId: string }>('getStatus')).nodeId;
      await expect
        .poll(
          async () => {
            const gpus = await consumer.call<RemoteAssetView[]>('searchAssets', [{ kind: 'gpu' }]);
            return gpus.some((g) => g.owner === providerId);
          },
          { timeout: TIMEOUT, message: 'the provider offers no GPU (no WebGPU adapter?)' },
        )
        .toBe(true);

      // The offer names the adapter the provider signed for (software here: test mode) and its WebGPU limits, and
      // the consumer's Marketplace shows them.
      const gpu = (await consumer.call<RemoteAssetView[]>('searchAssets', [{ kind: 'gpu' }])).find(
        (g) => g.owner === providerId,
      );
      expect(gpu?.device).toMatchObject({ fallback: true });
      expect(gpu?.device?.limits.maxBufferSize).toBeGreaterThan(0);
      const errors: string[] = [];
      const market = await openUi(browser, consumer, errors, 'consumer');
      try {
        await market.ui.open('marketplace');
        const search = market.ui.marketplace();
        await search.search({ kind: 'gpu' });
        const device = search.resultRows.first().getByTestId('result-device');
        await expect(device).toContainText('software adapter, test mode');
        await device.getByText('WebGPU limits').click();
        await expect(device).toContainText('maxComputeInvocationsPerWorkgroup');
        expect(errors).toEqual([]);
      } finally {
        await market.context.close();
      }

      const data = Uint32Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 0);
      const job = reduceJob(data);
      const dir = mkdtempSync(join(tmpdir(), 'hm-gpu-'));
      const { modules: _modules, ...spec } = job.spec;
      const files = { wgsl: join(dir, 'reduce.wgsl'), spec: join(dir, 'job.json'), input: join(dir, 'in.bin') };
      writeFileSync(files.wgsl, REDUCE_WGSL);
      // The spec names its module "main": the CLI fills its code from --wgsl.
      writeFileSync(
        files.spec,
        JSON.stringify({ ...spec, dispatches: spec.dispatches.map((d) => ({ ...d, module: 'main' })) }),
      );
      writeFileSync(files.input, job.input);
      const out = join(dir, 'out.bin');
      const cli = await run(
        process.execPath,
        [CLI, 'job', 'run', '--wgsl', files.wgsl, '--spec', files.spec, '--input', files.input, '--out', out].concat([
          '--provider',
          providerId,
          '--data-dir',
          consumer.dataDir,
        ]),
        { timeout: 300_000 },
      );
      expect(cli.stderr).toMatch(/wgsl completed, proof verified/);
      // A small file's Buffer is a view into Node's shared pool: read the u32s at its own offset and length.
      const bytes = readFileSync(out);
      const result = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      expect([...result]).toEqual(reduceJs(data));

      const [view] = await consumer.call<JobView[]>('getJobs', [{ role: 'consumer' }]);
      expect(view).toMatchObject({ kind: 'wgsl', status: 'completed', proof: 'verified' });
      expect(view?.device).toMatch(/software/);
      expect(parseAmount(view?.runs[0]?.paid ?? '0')).toBeGreaterThan(0n);
      await expect
        .poll(async () => parseAmount((await provider.call<{ earnedTotal: string }>('getWallet')).earnedTotal), {
          timeout: TIMEOUT,
        })
        .toBeGreaterThan(0n);
    } finally {
      await Promise.all([consumer.stop(), provider.stop(), ca.stop()]);
    }
  });
});
