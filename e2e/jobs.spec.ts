import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import type { BrowserContext, Locator, Page, TestInfo } from '@playwright/test';
import { UPPERCASE_WAT, compileWat } from '../src/node-core/vm/testing';
import { parseAmount } from '../src/shared/amount';
import type { NodeStatus } from '../src/shared/api/contract';
import type { RemoteAssetView } from '../src/shared/mesh';
import type { UsedPoolView } from '../src/shared/proxy';
import { formatBytes } from '../src/shared/privacy';
import type { JobView } from '../src/shared/vm';
import { expectAccessible } from './support/a11y';
import { AppPage, caesar } from './support/app-page';
import { CA_NAME, expect, test } from './support/fixtures';
import { MESH_TIMEOUT, joinCa, openUi } from './support/peers';
import { NodeProcess, newDataDir } from './support/node-process';

/*
 * The Catalog VM's Jobs page between real nodes: a CA, a provider A that shares CPU and memory publicly, and a
 * consumer B, each its own `hypermesh` process, each with its own UI. B runs jobs on A from its Jobs page; A's page
 * lists them under "Jobs run for others".
 */

const MIB = 2 ** 20;

interface ApiCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** Records every API call the page makes over HTTP (web only). */
function watchCalls(page: Page): ApiCall[] {
  const calls: ApiCall[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/call')) calls.push(request.postDataJSON() as ApiCall);
  });
  return calls;
}

const argsOf = (calls: readonly ApiCall[], method: string) =>
  calls.filter((c) => c.method === method).map((c) => c.args);

const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64');
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
/** A hash as the page writes it in a table: "3f2a9c1b…77e0". */
const shortHash = (hash: string) => `${hash.slice(0, 8)}…${hash.slice(-4)}`;

/** The limits the form starts with (JOB_LIMITS' defaults), as the request carries them. */
const DEFAULT_LIMITS = { cpuSeconds: 30, wallSeconds: 60, memoryMiB: 64, outputKiB: 256 } as const;

interface JobFields {
  readonly kind?: 'wasm' | 'js';
  /** The .wasm file to choose (wasm). */
  readonly file?: string;
  readonly source?: string;
  /** Where the input comes from: the Input text, or a remote memory pool (pool, offset, length). */
  readonly inputSource?: 'text' | 'pool';
  readonly input?: string;
  /** The pool's address, chosen in the Memory pool list. */
  readonly pool?: string;
  readonly offset?: string;
  readonly length?: string;
  readonly args?: string;
  readonly redundancy?: string;
  readonly cpuSeconds?: string;
  readonly wallSeconds?: string;
  readonly memoryMiB?: string;
  readonly outputKiB?: string;
  readonly providers?: string;
}

/**
 * The Jobs page (open it first): the Run a job form with the last result and its runs by provider, and the two
 * lists, "Jobs I ran" and "Jobs run for others".
 */
class JobsPage {
  readonly run: Locator;
  readonly wasmKind: Locator;
  readonly jsKind: Locator;
  readonly file: Locator;
  readonly fileInfo: Locator;
  readonly source: Locator;
  readonly inputFromText: Locator;
  readonly inputFromPool: Locator;
  readonly input: Locator;
  readonly pool: Locator;
  readonly offset: Locator;
  readonly length: Locator;
  readonly args: Locator;
  readonly redundancy: Locator;
  readonly cpuSeconds: Locator;
  readonly wallSeconds: Locator;
  readonly memoryMiB: Locator;
  readonly outputKiB: Locator;
  readonly providers: Locator;
  readonly submit: Locator;
  readonly status: Locator;
  /** The node's refusal of a run, with `data-code`. */
  readonly runError: Locator;

  readonly result: Locator;
  readonly resultStatus: Locator;
  readonly resultFailure: Locator;
  readonly resultExit: Locator;
  readonly resultOutputHash: Locator;
  readonly resultProof: Locator;
  readonly resultUsage: Locator;
  readonly output: Locator;
  /** Rows of the runs table (`data-provider`, `data-status`, `data-agreed`, `data-proof`). */
  readonly runRows: Locator;

  readonly consumer: Locator;
  readonly consumerRows: Locator;
  readonly consumerEmpty: Locator;
  readonly provider: Locator;
  readonly providerRows: Locator;
  readonly providerEmpty: Locator;

  constructor(readonly page: Page) {
    this.run = page.getByRole('region', { name: 'Run a job', exact: true });
    this.wasmKind = this.run.getByRole('radio', { name: 'WebAssembly module (WASI command)' });
    this.jsKind = this.run.getByRole('radio', { name: 'JavaScript (QuickJS)' });
    this.file = this.run.getByLabel('WebAssembly module (.wasm file)');
    this.fileInfo = this.run.getByTestId('job-file-info');
    this.source = this.run.getByLabel('JavaScript source');
    this.inputFromText = this.run.getByRole('radio', { name: 'Text', exact: true });
    this.inputFromPool = this.run.getByRole('radio', { name: 'Remote memory', exact: true });
    this.input = this.run.getByLabel('Input', { exact: true });
    this.pool = this.run.getByLabel('Memory pool', { exact: true });
    this.offset = this.run.getByLabel('Offset (bytes)', { exact: true });
    this.length = this.run.getByLabel('Length (bytes)', { exact: true });
    this.args = this.run.getByLabel('Arguments (one per line)');
    this.redundancy = this.run.getByLabel('Redundancy', { exact: true });
    this.cpuSeconds = this.run.getByLabel('CPU limit (seconds)');
    this.wallSeconds = this.run.getByLabel('Wall-clock limit (seconds)');
    this.memoryMiB = this.run.getByLabel('Memory limit (MiB)');
    this.outputKiB = this.run.getByLabel('Output limit (KiB)');
    this.providers = this.run.getByLabel('Providers (optional)');
    this.submit = this.run.getByRole('button', { name: /^(Run job|Running…)$/ });
    this.status = this.run.getByTestId('job-run-status');
    this.runError = this.run.locator('[data-testid="job-error"][data-source="run"]');

    this.result = this.run.getByTestId('job-result');
    this.resultStatus = this.result.getByTestId('job-result-status');
    this.resultFailure = this.result.getByTestId('job-result-failure');
    this.resultExit = this.result.getByTestId('job-result-exit');
    this.resultOutputHash = this.result.getByTestId('job-result-output-hash');
    this.resultProof = this.result.getByTestId('job-result-proof');
    this.resultUsage = this.result.getByTestId('job-result-usage');
    this.output = this.result.getByTestId('job-output');
    this.runRows = this.result.getByTestId('job-runs').getByTestId('job-run-row');

    this.consumer = page.getByRole('region', { name: 'Jobs I ran', exact: true });
    this.consumerRows = this.consumer.getByTestId('job-row');
    this.consumerEmpty = page.getByTestId('jobs-consumer-empty');
    this.provider = page.getByRole('region', { name: 'Jobs run for others', exact: true });
    this.providerRows = this.provider.getByTestId('job-row');
    this.providerEmpty = page.getByTestId('jobs-provider-empty');
  }

  /** A field's error under it: `code`, `input`, `input-pool`, `input-offset`, `args`, `providers`, `cpuSeconds`, … */
  error(field: string): Locator {
    return this.run.getByTestId(`job-${field}-error`);
  }

  /** The run of one provider in the last result, by its NodeId. */
  runOf(provider: string): Locator {
    return this.result.locator(`tr[data-testid="job-run-row"][data-provider="${provider}"]`);
  }

  /** One job's row in "Jobs I ran" or "Jobs run for others". */
  job(list: 'consumer' | 'provider', jobId: string): Locator {
    return (list === 'consumer' ? this.consumer : this.provider).locator(`tr[data-job-id="${jobId}"]`);
  }

  /** Fills what is given (the kind first, so that its field is shown). */
  async fill(fields: JobFields): Promise<void> {
    if (fields.kind === 'wasm') await this.wasmKind.check();
    if (fields.kind === 'js') await this.jsKind.check();
    if (fields.file !== undefined) await this.file.setInputFiles(fields.file);
    if (fields.source !== undefined) await this.source.fill(fields.source);
    if (fields.inputSource === 'text') await this.inputFromText.check();
    if (fields.inputSource === 'pool') await this.inputFromPool.check();
    if (fields.input !== undefined) await this.input.fill(fields.input);
    if (fields.pool !== undefined) await this.pool.selectOption(fields.pool);
    if (fields.offset !== undefined) await this.offset.fill(fields.offset);
    if (fields.length !== undefined) await this.length.fill(fields.length);
    if (fields.args !== undefined) await this.args.fill(fields.args);
    if (fields.redundancy !== undefined) await this.redundancy.fill(fields.redundancy);
    if (fields.cpuSeconds !== undefined) await this.cpuSeconds.fill(fields.cpuSeconds);
    if (fields.wallSeconds !== undefined) await this.wallSeconds.fill(fields.wallSeconds);
    if (fields.memoryMiB !== undefined) await this.memoryMiB.fill(fields.memoryMiB);
    if (fields.outputKiB !== undefined) await this.outputKiB.fill(fields.outputKiB);
    if (fields.providers !== undefined) await this.providers.fill(fields.providers);
  }

  /** Fills what is given and presses Run job. */
  async runJob(fields: JobFields): Promise<void> {
    await this.fill(fields);
    await this.submit.click();
  }
}

interface Member {
  readonly node: NodeProcess;
  readonly id: NodeStatus;
  readonly page: Page;
  readonly ui: AppPage;
  readonly jobs: JobsPage;
}

async function attachDiagnostics(testInfo: TestInfo, nodes: Record<string, NodeProcess | undefined>): Promise<void> {
  for (const [name, node] of Object.entries(nodes)) {
    if (!node) continue;
    const read = async (method: string, args: unknown[] = []) =>
      node.call<unknown>(method, args).catch((err: Error) => `(${method} failed: ${err.message})`);
    const report = {
      jobs: await read('getJobs', [{}]),
      cpu: await read('searchAssets', [{ kind: 'cpu' }]),
      memory: await read('searchAssets', [{ kind: 'memory' }]),
      assets: await read('getAssets'),
      leases: await read('getRemoteAllocations'),
      vmLog: await read('getLogs', [{ text: 'vm', minLevel: 'debug', limit: 300 }]),
      jobLog: await read('getLogs', [{ text: 'job', minLevel: 'debug', limit: 300 }]),
      meshLog: await read('getLogs', [{ text: 'mesh', minLevel: 'debug', limit: 200 }]),
    };
    await testInfo.attach(`${name}-jobs.json`, {
      body: JSON.stringify(report, null, 2),
      contentType: 'application/json',
    });
    await testInfo.attach(`${name}-stderr.txt`, { body: node.stderr, contentType: 'text/plain' });
  }
}

/** Shows the Jobs page anew (another page first, so that the form starts empty). */
async function openJobs(member: Member): Promise<void> {
  await member.ui.open('dashboard');
  await member.ui.open('jobs');
  await expect(member.jobs.submit).toHaveText('Run job');
}

const consumerJobs = (member: Member) => member.node.call<JobView[]>('getJobs', [{ role: 'consumer' }]);
const providerJobs = (member: Member) => member.node.call<JobView[]>('getJobs', [{ role: 'provider' }]);

/** The job the last result on the page is about, as the consumer's node lists it. */
async function shownJob(member: Member): Promise<JobView> {
  const jobId = (await member.jobs.result.getAttribute('data-job-id')) ?? '';
  expect(jobId).toMatch(/^[0-9a-f]{32}$/);
  const job = (await consumerJobs(member)).find((j) => j.jobId === jobId);
  if (!job) throw new Error(`the consumer's node does not list job ${jobId}`);
  return job;
}

test.describe('Jobs page: a consumer runs jobs on a provider’s CPU and memory, each node in its own process', () => {
  test.skip(({ target }) => target !== 'web', 'runs a CA node and two headless nodes, each in its own process');
  // A CA (generating its keys), two nodes, certification, mesh discovery, leases and jobs: room for a 2-core machine.
  test.describe.configure({ timeout: 240_000 });

  let ca: NodeProcess | undefined;
  let processes: readonly NodeProcess[] = [];
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  /** A shares CPU and memory publicly; B (the consumer) has found both. */
  let a: Member;
  let b: Member;
  /** Every API call B's page made over HTTP. */
  let calls: ApiCall[] = [];

  test.beforeAll(async ({ browser }, testInfo) => {
    test.setTimeout(240_000);
    ca = new NodeProcess(newDataDir());
    processes = [new NodeProcess(newDataDir()), new NodeProcess(newDataDir())];
    try {
      await ca.start(['--name', CA_NAME], ['trust', 'serve']);
      const caAddress = await ca.stoqAddress();
      await ca.call('updateSettings', [{ mesh: { mdns: false } }]);
      await Promise.all(processes.map((p) => p.start()));
      await Promise.all(processes.map((p) => joinCa(p, caAddress, MESH_TIMEOUT)));
      [a, b] = (await Promise.all(
        processes.map(async (node, i): Promise<Member> => {
          const opened = await openUi(browser, node, errors, i === 0 ? 'A' : 'B');
          contexts.push(opened.context);
          const ui = new AppPage(opened.page);
          const id = await node.call<NodeStatus>('getStatus');
          return { node, id, page: opened.page, ui, jobs: new JobsPage(opened.page) };
        }),
      )) as [Member, Member];
      calls = watchCalls(b.page);
      // A shares half its CPU and a tenth of its memory with anyone, named; B waits until the mesh tells it so.
      await a.node.call('updateSettings', [
        { privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { cpu: 50, memory: 10 } },
      ]);
      await expect
        .poll(
          async () => {
            const cpu = await b.node.call<RemoteAssetView[]>('searchAssets', [{ kind: 'cpu' }]);
            const memory = await b.node.call<RemoteAssetView[]>('searchAssets', [{ kind: 'memory' }]);
            const aCpu = cpu.find((asset) => asset.owner === a.id.nodeId);
            const aMemory = memory.find((asset) => asset.owner === a.id.nodeId);
            if (!aCpu || !aMemory) return `not found yet (cpu: ${!!aCpu}, memory: ${!!aMemory})`;
            // Room for a job's default 64 MiB.
            return aCpu.capacity.allowed >= 1 && aMemory.capacity.allowed >= 64 * MIB;
          },
          { timeout: MESH_TIMEOUT, intervals: [1000] },
        )
        .toBe(true);
    } catch (err) {
      await attachDiagnostics(testInfo, { CA: ca, A: processes[0], B: processes[1] });
      throw err;
    }
  });

  test.afterEach(async () => {
    const testInfo = test.info();
    if (testInfo.status !== testInfo.expectedStatus) {
      await attachDiagnostics(testInfo, { CA: ca, A: processes[0], B: processes[1] });
    }
    // A CSP violation or an uncaught exception in either UI fails the test, even if the screen looked right.
    const seen = errors.splice(0);
    expect(seen, 'errors in the pages').toEqual([]);
  });

  test.afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await Promise.all(processes.map((p) => p.stop()));
    for (const p of processes) rmSync(p.dataDir, { recursive: true, force: true });
    if (ca) {
      const code = await ca.stop();
      rmSync(ca.dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`the CA node did not shut down cleanly (exit ${code}):\n${ca.stderr}`);
    }
  });

  test('B runs JavaScript on A from its Jobs page: the output, proof verified, A agreed and paid; A lists it', async () => {
    const source = 'print(input.toUpperCase())';
    let job: JobView | undefined;

    await test.step('B’s page: nothing run yet; the form goes to A only', async () => {
      await openJobs(b);
      await expect(b.jobs.consumerEmpty).toContainText('No jobs yet.');
      await expect(b.jobs.wasmKind).toBeChecked();
      await b.jobs.runJob({ kind: 'js', source, input: 'hello jobs', providers: a.id.nodeId });
      await expect(b.jobs.result).toHaveAttribute('data-status', 'completed', { timeout: MESH_TIMEOUT });
      expect(argsOf(calls, 'runJob')).toEqual([
        [
          {
            kind: 'js',
            code: b64(source),
            input: { data: b64('hello jobs') },
            redundancy: 1,
            limits: DEFAULT_LIMITS,
            providers: [a.id.nodeId],
          },
        ],
      ]);
    });

    await test.step('the result: completed, the output, its hash, proof verified; one run, A’s, agreed and paid', async () => {
      const jobs = b.jobs;
      job = await shownJob(b);
      await expect(jobs.runError).toHaveCount(0);
      await expect(jobs.submit).toHaveText('Run job');
      await expect(jobs.submit).toBeEnabled();
      await expect(jobs.status).toHaveText(/^✓ The job completed in \d+(\.\d)? m?s\.$/);
      await expect(jobs.resultStatus).toHaveText('✓ Completed');
      await expect(jobs.resultFailure).toHaveCount(0);
      await expect(jobs.output).toHaveAttribute('data-format', 'text');
      await expect(jobs.output).toHaveText('HELLO JOBS');
      // print() writes a line: the output is the text and its line break, and the hash is of exactly that.
      const outputHash = sha256('HELLO JOBS\n');
      expect(job).toMatchObject({
        role: 'consumer',
        kind: 'js',
        status: 'completed',
        proof: 'verified',
        redundancy: 1,
        codeHash: sha256(source),
        inputHash: sha256('hello jobs'),
        outputHash,
        failure: null,
      });
      await expect(jobs.resultOutputHash).toHaveText(shortHash(outputHash));
      await expect(jobs.resultOutputHash).toHaveAttribute('title', outputHash);
      await expect(jobs.resultExit).toHaveText(job.exitCode === null ? '—' : String(job.exitCode));
      await expect(jobs.resultProof).toHaveText('Proof verified');
      await expect(jobs.resultUsage).toHaveText(/ CPU, .+ wall, .+ memory$/);

      expect(job.runs).toHaveLength(1);
      const paid = job.runs[0]?.paid ?? '0';
      expect(parseAmount(paid)).toBeGreaterThan(0n);
      await expect(jobs.runRows).toHaveCount(1);
      const run = jobs.runOf(a.id.nodeId);
      await expect(run).toHaveAttribute('data-status', 'completed');
      await expect(run).toHaveAttribute('data-agreed', 'true');
      await expect(run).toHaveAttribute('data-proof', 'verified');
      await expect(run.getByTestId('run-provider')).toHaveText(a.id.nodeIdShort);
      await expect(run.getByTestId('run-provider').getByText(a.id.nodeIdShort)).toHaveAttribute('title', a.id.nodeId);
      await expect(run.getByTestId('run-status')).toHaveText('✓ Completed');
      await expect(run.getByTestId('run-output-hash')).toHaveText(shortHash(outputHash));
      await expect(run.getByTestId('run-agreed')).toHaveText('Yes');
      await expect(run.getByTestId('run-proof')).toHaveText('Proof verified');
      await expect(run.getByTestId('run-paid')).toHaveText(caesar(paid));
      await expect(run.getByTestId('run-failure')).toHaveCount(0);

      // "Jobs I ran" lists it, run by A.
      const row = jobs.job('consumer', job.jobId);
      await expect(row).toHaveAttribute('data-status', 'completed');
      await expect(row).toHaveAttribute('data-role', 'consumer');
      await expect(row.getByTestId('job-status')).toHaveText('✓ Completed');
      await expect(row.getByTestId('job-kind')).toHaveText('JavaScript');
      await expect(row.getByTestId('job-counterparty')).toHaveText(a.id.nodeIdShort);
      await expect(row.getByTestId('job-code-hash')).toHaveText(shortHash(sha256(source)));
      await expect(row.getByTestId('job-code-hash')).toHaveAttribute('title', sha256(source));
      await expect(row.getByTestId('job-limits')).toHaveText('30 s CPU, 60 s wall, 64 MiB memory, 256 KiB output');
      await expect(row.getByTestId('job-proof')).toHaveText('Proof verified');
      await expect(jobs.consumerEmpty).toHaveCount(0);

      await expectAccessible(b.page);
      await b.page.screenshot({ path: 'test-results/screenshots/jobs-result.png', fullPage: true });
    });

    await test.step('A’s own Jobs page lists it under "Jobs run for others": B, completed, proof made', async () => {
      if (!job) throw new Error('no job');
      const served = (await providerJobs(a)).find((j) => j.jobId === job?.jobId);
      expect(served).toMatchObject({
        role: 'provider',
        consumer: b.id.nodeId,
        status: 'completed',
        proof: 'made',
        outputHash: job.outputHash,
      });

      await openJobs(a);
      const row = a.jobs.job('provider', job.jobId);
      await expect(row).toHaveAttribute('data-status', 'completed');
      await expect(row).toHaveAttribute('data-role', 'provider');
      await expect(row.getByTestId('job-id')).toHaveText(shortHash(job.jobId));
      await expect(row.getByTestId('job-status')).toHaveText('✓ Completed');
      await expect(row.getByTestId('job-failure')).toHaveCount(0);
      await expect(row.getByTestId('job-kind')).toHaveText('JavaScript');
      // The consumer by its short NodeId, the whole of it in the title.
      await expect(row.getByTestId('job-counterparty')).toHaveText(b.id.nodeIdShort);
      await expect(row.getByTestId('job-counterparty').getByText(b.id.nodeIdShort)).toHaveAttribute(
        'title',
        b.id.nodeId,
      );
      await expect(row.getByTestId('job-code-hash')).toHaveAttribute('title', sha256(source));
      await expect(row.getByTestId('job-proof')).toHaveText('Proof made');
      await expect(row.getByTestId('job-proof')).toHaveAttribute('data-proof', 'made');
      await expect(row.getByTestId('job-limits')).toHaveText('30 s CPU, 60 s wall, 64 MiB memory, 256 KiB output');
      // A ran it for B and asked nobody to run anything.
      await expect(a.jobs.consumerEmpty).toContainText('No jobs yet.');
      await expect(a.jobs.providerEmpty).toHaveCount(0);
      await expectAccessible(a.page);
      await a.page.screenshot({ path: 'test-results/screenshots/jobs-provider.png', fullPage: true });
    });
  });

  test('a job over its CPU limit fails with the reason in words; A goes on serving the next job', async () => {
    await test.step('for (;;) {} with a 1 s CPU limit: failed, stopped at its CPU-time limit, no output', async () => {
      await openJobs(b);
      // The wall clock far beyond the CPU limit under test (rule 4): a starved nice-19 child must not reach it first.
      await b.jobs.runJob({
        kind: 'js',
        source: 'for (;;) {}',
        cpuSeconds: '1',
        wallSeconds: '600',
        providers: a.id.nodeId,
      });
      await expect(b.jobs.result).toHaveAttribute('data-status', 'failed', { timeout: MESH_TIMEOUT });
      const job = await shownJob(b);
      expect(job).toMatchObject({ status: 'failed', failure: { reason: 'cpu-limit' }, outputHash: null });
      expect(job.limits.cpuMs).toBe(1000);
      expect(job.usage.cpuMs).toBeGreaterThanOrEqual(1000);

      await expect(b.jobs.runError).toHaveCount(0);
      await expect(b.jobs.status).toHaveText('✗ Failed: Stopped at its CPU-time limit.');
      await expect(b.jobs.resultStatus).toHaveText('✗ Failed');
      await expect(b.jobs.resultFailure).toHaveAttribute('data-reason', 'cpu-limit');
      await expect(b.jobs.resultFailure).toHaveText('Stopped at its CPU-time limit');
      await expect(b.jobs.resultOutputHash).toHaveText('—');
      await expect(b.jobs.output).toHaveAttribute('data-format', 'none');
      await expect(b.jobs.output).toHaveText('No output was accepted.');
      const run = b.jobs.runOf(a.id.nodeId);
      await expect(run).toHaveAttribute('data-status', 'failed');
      await expect(run.getByTestId('run-status')).toHaveText('✗ Failed');
      await expect(run.getByTestId('run-failure')).toHaveAttribute('data-reason', 'cpu-limit');
      await expect(run.getByTestId('run-failure')).toHaveText('Stopped at its CPU-time limit');
      await expect(run.getByTestId('run-usage')).toHaveText(/^\d+(\.\d)? s CPU, /);

      const row = b.jobs.job('consumer', job.jobId);
      await expect(row).toHaveAttribute('data-status', 'failed');
      await expect(row.getByTestId('job-status')).toHaveText('✗ Failed');
      await expect(row.getByTestId('job-failure')).toHaveAttribute('data-reason', 'cpu-limit');
      await expect(row.getByTestId('job-failure')).toHaveText('Stopped at its CPU-time limit');
      await expect(row.getByTestId('job-limits')).toHaveText(/^1 s CPU, /);
      await expectAccessible(b.page);

      // A stopped it, and says why too.
      const served = (await providerJobs(a)).find((j) => j.jobId === job.jobId);
      expect(served).toMatchObject({ consumer: b.id.nodeId, status: 'failed', failure: { reason: 'cpu-limit' } });
    });

    await test.step('the next job on A completes: its arguments, its output', async () => {
      // The form keeps what the last job set: the limits go back to the defaults.
      await b.jobs.runJob({ source: 'print(args.join(" + "))', cpuSeconds: '30', wallSeconds: '60', args: '2\n3' });
      await expect(b.jobs.result).toHaveAttribute('data-status', 'completed', { timeout: MESH_TIMEOUT });
      await expect(b.jobs.status).toHaveText(/^✓ The job completed in /);
      await expect(b.jobs.output).toHaveText('2 + 3');
      await expect(b.jobs.runOf(a.id.nodeId)).toHaveAttribute('data-agreed', 'true');
      expect(argsOf(calls, 'runJob').at(-1)).toEqual([
        {
          kind: 'js',
          code: b64('print(args.join(" + "))'),
          args: ['2', '3'],
          redundancy: 1,
          limits: DEFAULT_LIMITS,
          providers: [a.id.nodeId],
        },
      ]);
      await openJobs(a);
      await expect(a.jobs.providerRows.first()).toHaveAttribute('data-status', 'completed');
      await expect(a.jobs.providerRows.nth(1)).toHaveAttribute('data-status', 'failed');
      await expect(a.jobs.providerRows.nth(1).getByTestId('job-failure')).toHaveText('Stopped at its CPU-time limit');
    });
  });

  test('the form refuses an empty source, a redundancy of 9 and other bad fields, and sends nothing', async () => {
    const before = (await consumerJobs(b)).length;
    const sent = argsOf(calls, 'runJob').length;
    await openJobs(b);
    const jobs = b.jobs;
    await expect(jobs.consumerRows).toHaveCount(before);

    // An empty JavaScript source and a redundancy out of 1–5: both fields say so; the first is focused.
    await jobs.runJob({ kind: 'js', redundancy: '9' });
    await expect(jobs.error('code')).toHaveText('Enter the JavaScript to run.');
    await expect(jobs.error('redundancy')).toHaveText('Enter how many providers run it, a whole number from 1 to 5.');
    await expect(jobs.source).toHaveAttribute('aria-invalid', 'true');
    await expect(jobs.redundancy).toHaveAttribute('aria-invalid', 'true');
    await expect(jobs.source).toBeFocused();
    await expect(jobs.result).toHaveCount(0);
    await expect(jobs.status).toHaveText('');
    await expectAccessible(b.page);

    // Typing clears that field's error only.
    await jobs.fill({ source: 'print(1)' });
    await expect(jobs.error('code')).toHaveCount(0);
    await expect(jobs.source).toHaveAttribute('aria-invalid', 'false');
    await expect(jobs.error('redundancy')).toBeVisible();

    // A short NodeId is not a provider; more providers to run it than are named; a CPU limit of 0.
    await jobs.runJob({ redundancy: '1', providers: a.id.nodeIdShort, cpuSeconds: '0' });
    await expect(jobs.error('providers')).toContainText(`"${a.id.nodeIdShort}" is not a NodeId`);
    await expect(jobs.error('redundancy')).toHaveCount(0);
    await expect(jobs.error('cpuSeconds')).toHaveText(
      'Enter the CPU time limit in seconds, a whole number from 1 to 3,600.',
    );
    await expect(jobs.providers).toBeFocused();
    await jobs.runJob({ redundancy: '2', providers: a.id.nodeId, cpuSeconds: '1' });
    await expect(jobs.error('providers')).toHaveCount(0);
    await expect(jobs.error('cpuSeconds')).toHaveCount(0);
    await expect(jobs.error('redundancy')).toHaveText('2 providers should run it, but only 1 is named.');

    // WebAssembly without a module chosen.
    await jobs.runJob({ kind: 'wasm', redundancy: '1' });
    await expect(jobs.error('code')).toHaveText('Choose the WebAssembly module (.wasm file) to run.');
    await expect(jobs.file).toBeFocused();
    await expectAccessible(b.page);

    // Nothing went to the node, and it ran nothing more.
    expect(argsOf(calls, 'runJob')).toHaveLength(sent);
    expect(await consumerJobs(b)).toHaveLength(before);
    await expect(jobs.consumerRows).toHaveCount(before);
    await expect(jobs.runError).toHaveCount(0);
  });

  test('B runs a WebAssembly module from a .wasm file on A: stdin upper-cased, argc in the exit code', async () => {
    const wasm = await compileWat(UPPERCASE_WAT);
    const path = test.info().outputPath('upper.wasm');
    writeFileSync(path, wasm);

    await openJobs(b);
    const jobs = b.jobs;
    await expect(jobs.wasmKind).toBeChecked();
    await jobs.fill({ file: path });
    await expect(jobs.fileInfo).toHaveText(`upper.wasm, ${formatBytes(wasm.length)}.`);
    await jobs.runJob({ input: 'abc', args: 'x\ny', providers: a.id.nodeId });
    await expect(jobs.result).toHaveAttribute('data-status', 'completed', { timeout: MESH_TIMEOUT });
    expect(argsOf(calls, 'runJob').at(-1)).toEqual([
      {
        kind: 'wasm',
        code: b64(wasm),
        input: { data: b64('abc') },
        args: ['x', 'y'],
        redundancy: 1,
        limits: DEFAULT_LIMITS,
        providers: [a.id.nodeId],
      },
    ]);

    await expect(jobs.output).toHaveAttribute('data-format', 'text');
    await expect(jobs.output).toHaveText('ABC');
    // The module exits with argc - 1: two arguments.
    await expect(jobs.resultExit).toHaveText('2');
    await expect(jobs.resultProof).toHaveText('Proof verified');
    await expect(jobs.resultOutputHash).toHaveAttribute('title', sha256('ABC'));
    const run = jobs.runOf(a.id.nodeId);
    await expect(run).toHaveAttribute('data-agreed', 'true');
    await expect(run).toHaveAttribute('data-proof', 'verified');

    const job = await shownJob(b);
    expect(job).toMatchObject({ kind: 'wasm', status: 'completed', exitCode: 2, codeHash: sha256(wasm) });
    const row = jobs.job('consumer', job.jobId);
    await expect(row.getByTestId('job-kind')).toHaveText('WebAssembly');
    await expect(row.getByTestId('job-code-hash')).toHaveAttribute('title', sha256(wasm));
    await expect(row.getByTestId('job-counterparty')).toHaveText(a.id.nodeIdShort);
    await expectAccessible(b.page);
    await b.page.screenshot({ path: 'test-results/screenshots/jobs-wasm.png', fullPage: true });

    await openJobs(a);
    await expect(a.jobs.job('provider', job.jobId).getByTestId('job-kind')).toHaveText('WebAssembly');
  });

  test('B runs JavaScript on input read from its own remote memory pool, chosen on its Jobs page', async () => {
    const source = 'print(input.toUpperCase())';
    let pool: UsedPoolView | undefined;

    await test.step('B allocates a 4 KiB pool through its API and writes "hello pool" at offset 0', async () => {
      pool = await b.node.call<UsedPoolView>('allocateRemoteMemory', [
        { bytes: 4096, durationMs: 600_000, providers: 1 },
      ]);
      expect(pool).toMatchObject({ length: 4096 });
      expect(pool.address).toMatch(/^fd48:4d00:/);
      expect(await b.node.call('writeRemoteMemory', [pool.address, 0, b64('hello pool')])).toEqual({ written: 10 });
      await b.node.call('flushRemoteMemory', [pool.address]);
    });

    await test.step('the form: text by default; Remote memory lists the pool; a window past its end is refused', async () => {
      if (!pool) throw new Error('no pool');
      const jobs = b.jobs;
      const sent = argsOf(calls, 'runJob').length;
      const asked = argsOf(calls, 'getProxyStatus').length;
      await openJobs(b);
      await expect(jobs.inputFromText).toBeChecked();
      await expect(jobs.input).toBeVisible();
      await expect(jobs.pool).toBeHidden();

      await jobs.fill({ kind: 'js', source, inputSource: 'pool', providers: a.id.nodeId });
      await expect(jobs.inputFromPool).toBeChecked();
      await expect(jobs.input).toBeHidden();
      // Choosing remote memory asks the node for its pools; the list names each by address and size.
      await expect(jobs.pool.locator('option', { hasText: pool.address })).toHaveText(`${pool.address} (4 KiB)`);
      await expect(jobs.pool).toBeEnabled();
      expect(argsOf(calls, 'getProxyStatus').length).toBeGreaterThan(asked);

      // 10 bytes from offset 4,090 go past the pool's end: the length says so, is focused, and nothing is sent.
      await jobs.runJob({ pool: pool.address, offset: '4090', length: '10' });
      await expect(jobs.error('input-length')).toHaveText(
        '10 bytes from offset 4,090 go past the end of the pool (4,096 bytes): at most 6 bytes from there.',
      );
      await expect(jobs.length).toHaveAttribute('aria-invalid', 'true');
      await expect(jobs.length).toBeFocused();
      await expect(jobs.error('input-offset')).toHaveCount(0);
      await expect(jobs.error('input-pool')).toHaveCount(0);
      await expectAccessible(b.page);
      expect(argsOf(calls, 'runJob')).toHaveLength(sent);
    });

    await test.step('offset 0, length 10: the node reads the pool, A upper-cases it, proof verified', async () => {
      if (!pool) throw new Error('no pool');
      const jobs = b.jobs;
      await jobs.runJob({ offset: '0', length: '10' });
      await expect(jobs.error('input-length')).toHaveCount(0);
      await expect(jobs.result).toHaveAttribute('data-status', 'completed', { timeout: MESH_TIMEOUT });
      expect(argsOf(calls, 'runJob').at(-1)).toEqual([
        {
          kind: 'js',
          code: b64(source),
          input: { proxy: { address: pool.address, offset: 0, length: 10 } },
          redundancy: 1,
          limits: DEFAULT_LIMITS,
          providers: [a.id.nodeId],
        },
      ]);
      await expect(jobs.output).toHaveAttribute('data-format', 'text');
      await expect(jobs.output).toHaveText('HELLO POOL');
      await expect(jobs.resultProof).toHaveText('Proof verified');
      const job = await shownJob(b);
      expect(job).toMatchObject({
        status: 'completed',
        proof: 'verified',
        inputHash: sha256('hello pool'),
        outputHash: sha256('HELLO POOL\n'),
      });
      await expectAccessible(b.page);
      await b.page.screenshot({ path: 'test-results/screenshots/jobs-pool-input.png', fullPage: true });
      await b.node.call('freeRemoteMemory', [pool.address]);
    });
  });
});
