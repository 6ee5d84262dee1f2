import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiArgs, ApiResult, NodeApiMethod, NodeStatus } from '../shared/api/contract';
import { ErrorCode, HyperMeshError } from '../shared/errors';
import { getSettingAt, patchAt } from '../shared/settings';
import { APP_VERSION } from '../shared/version';
import { createApiServer, type ApiServer } from './api/index';
import { USAGE, UsageError, parseCliArgs, parseSettingValue, type CliOptions } from './cli-args';
import { defaultDataDir } from './config/index';
import { wgslJobCode } from './cli-gpu';
import { runDbCommand } from './cli-db';
import { createNode, type HyperMeshNode } from './node';
import { createDispatch } from './api/index';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-file';
import { callRunningNode, withNodeApi } from './cli-client';
import { exportChain, formatCertificateReport, readCertificateReport } from './trust/index';
import { TrustError } from './trust/index';
import { parseFederationDocument } from './trust/index';
import type { FederationDocumentJson, FederationMemberEntry } from '../shared/trust';
import { formatAllowance, formatPause } from './cli-sharing';
import { JOB_LIMITS, jobOutcome, type JobView, type RunJobRequest } from '../shared/vm';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Raw bytes to stdout (a job's output); text through `out` where absent. */
  readonly outBytes?: (bytes: Uint8Array) => void;
}

/** The exit statuses, as README's table lists them (a test checks every command against it). */
export const EXIT = { ok: 0, failure: 1, usage: 2, notRunning: 3, jobExited: 4, jobFailed: 5 } as const;

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  outBytes: (bytes) => process.stdout.write(bytes),
};

/** The built UI sits beside the built CLI (out/node/cli.js → out/renderer). */
function defaultUiDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
}

function readJobFile(flag: string, file: string, max: number): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (bytes.length > max) throw new UsageError(`${flag}: ${file} is ${bytes.length} bytes; at most ${max} may be sent`);
  return bytes;
}

/** `job run`: sends the job through the running node and prints its accepted output. */
async function runJobCommand(options: CliOptions, dataDir: string, io: CliIo): Promise<number> {
  const job = options.job;
  if (!job) throw new UsageError('job run needs --wasm FILE, --js FILE or --wgsl FILE');
  const source = readJobFile(`--${job.kind}`, job.codeFile, JOB_LIMITS.codeBytes);
  if (source.length === 0) throw new UsageError(`${job.codeFile} is empty`);
  const input = job.inputFile !== undefined ? readJobFile('--input', job.inputFile, JOB_LIMITS.inputBytes) : undefined;
  const code =
    job.kind === 'wgsl'
      ? wgslJobCode(
          source.toString('utf8'),
          readJobFile('--spec', job.specFile ?? '', JOB_LIMITS.codeBytes).toString('utf8'),
          input?.length ?? 0,
          job.limits,
        )
      : source;
  const request: RunJobRequest = {
    kind: job.kind,
    code: code.toString('base64'),
    args: job.args,
    limits: job.limits,
    ...(job.redundancy === undefined ? {} : { redundancy: job.redundancy }),
    ...(job.providers ? { providers: job.providers } : {}),
    ...(input !== undefined
      ? { input: { data: input.toString('base64') } }
      : job.inputProxy
        ? { input: { proxy: job.inputProxy } }
        : {}),
  };
  const wallMs = (job.limits.wallSeconds ?? JOB_LIMITS.wallSeconds.default) * 1000;
  const result = await callRunningNode(dataDir, 'runJob', [request], wallMs + 360_000);
  if (!result) {
    io.err(`HyperMesh node is not running (data dir ${dataDir}); start it with "hypermesh node"\n`);
    return EXIT.notRunning;
  }
  if (options.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.output !== null) {
    const output = Buffer.from(result.output, 'base64');
    if (options.outDir !== undefined) writeFileSync(resolve(options.outDir), output);
    else if (io.outBytes) io.outBytes(output);
    else io.out(output.toString('utf8'));
  }
  io.err(formatJobs([result.job]));
  const done = result.job;
  switch (jobOutcome(done)) {
    case 'succeeded':
      return EXIT.ok;
    case 'exited':
      io.err(`hypermesh: the job exited with status ${done.exitCode ?? '?'}\n`);
      return EXIT.jobExited;
    default:
      io.err(`hypermesh: job ${done.status}: ${done.failure?.reason ?? ''}: ${done.failure?.message ?? ''}\n`);
      return EXIT.jobFailed;
  }
}

function formatJobs(jobs: readonly JobView[]): string {
  if (jobs.length === 0) return 'no jobs\n';
  const lines: string[] = [];
  for (const j of jobs) {
    const what = j.failure
      ? `${j.status} (${j.failure.reason})`
      : j.exitCode !== null && j.exitCode !== 0
        ? `${j.status}, exit status ${j.exitCode}`
        : j.status;
    lines.push(
      `job ${j.jobId} ${j.role} ${j.kind} ${what}, proof ${j.proof}, ${j.usage.cpuMs} ms CPU, ` +
        `${j.usage.wallMs} ms wall${j.consumer ? `, for ${j.consumer}` : ''}${j.device ? `, on ${j.device}` : ''}`,
    );
    for (const r of j.runs) {
      const agreed = r.agreed === null ? '' : r.agreed ? ', agreed' : ', DISAGREED';
      lines.push(
        `  on ${r.provider}: ${r.failure ? `${r.status} (${r.failure.reason})` : r.status}, proof ${r.proof}${agreed}, paid ${r.paid}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatStatus(status: NodeStatus): string {
  const lines = [
    `HyperMesh node ${status.nodeIdShort} (version ${status.version})`,
    `  NodeId:   ${status.nodeId}`,
    `  Up:       ${status.uptimeSeconds} s since ${status.startedAt}`,
    `  Data:     ${status.dataDir}`,
    `  Sharing:  ${status.sharing}`,
    `  Allowed:  ${Object.entries(status.effectiveAllocation)
      .map(([k, v]) => `${k} ${v}%`)
      .join(', ')}`,
    ...formatAllowance(status.allowance),
    ...status.health.map((h) => `  ${h.severity.toUpperCase()}: ${h.message}`),
  ];
  return `${lines.join('\n')}\n`;
}

async function runNode(options: CliOptions, dataDir: string, io: CliIo): Promise<number> {
  const node: HyperMeshNode = createNode({
    dataDir,
    logToStderr: true,
    listen: options.listen,
    ...(options.gpuJobs === undefined ? {} : { gpuJobs: options.gpuJobs }),
    ...(options.receiptIntervalSeconds === undefined
      ? {}
      : { timing: { ledger: { receiptIntervalMs: options.receiptIntervalSeconds * 1000 } } }),
    ...(options.command === 'trust-serve'
      ? {
          authority: {
            name: options.caName ?? 'HyperMesh TrustChain',
            ...(options.advertise === undefined ? {} : { advertise: options.advertise }),
          },
        }
      : {}),
  });
  const uiDir = options.ui ? defaultUiDir() : undefined;
  if (uiDir && !existsSync(join(uiDir, 'index.html'))) {
    io.err(`warning: the UI is not built (${uiDir}); run "npm run build" — serving the API only\n`);
  }
  // A fault in one request or peer must not take the node down: log it and keep serving.
  process.on('uncaughtException', (err) => node.log.error(`unexpected error: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => node.log.error(`unexpected rejection: ${String(err)}`));
  await node.start();
  let server: ApiServer;
  try {
    server = createApiServer({
      dispatch: createDispatch(node.api, node.log),
      events: node.events,
      log: node.log.child('api'),
      host: options.apiHost,
      port: options.apiPort,
      allowRemote: options.allowRemoteApi,
      ...(uiDir ? { uiDir } : {}),
    });
    await server.start();
  } catch (err) {
    await node.stop();
    throw err;
  }
  const stopped = new Promise<number>((done) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        io.err(`${signal} again: exiting without a clean shutdown\n`);
        process.exit(130);
      }
      stopping = true;
      io.err(`${signal}: stopping the node (press Ctrl-C again to force)\n`);
      void (async () => {
        try {
          removeRuntimeInfo(dataDir);
          await server.stop();
          await node.stop();
          done(EXIT.ok);
        } catch (err) {
          io.err(`error while stopping: ${String(err)}\n`);
          done(EXIT.failure);
        }
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  // Only now, with the handlers in place, is the node ready: whoever reads the ready line (or api.json) may signal it
  // at once, and a SIGINT that came before the handlers would end the process without a clean stop.
  writeRuntimeInfo(dataDir, { pid: process.pid, origin: server.origin, url: server.url, token: server.token });
  io.out(`HyperMesh node ready: ${server.url}\n`);
  return stopped;
}

/** Operators form and change federations with files: members, a proposal, each CA's signature, adoption. */
async function runFederationCommand(options: CliOptions, dataDir: string, io: CliIo): Promise<number> {
  const readJson = (file: string): unknown => {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new TrustError(`cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const writeJson = (file: string, value: unknown) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  const onNode = async <M extends NodeApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResult<M> | undefined> => {
    const value = await callRunningNode(dataDir, method, args);
    if (value === undefined)
      io.err(`no CA node is running with data dir ${dataDir} (start it with "hypermesh trust serve")\n`);
    return value;
  };
  const [file] = options.files ?? [];
  switch (options.command) {
    case 'federation-member': {
      const member = await onNode('federationMember', []);
      if (!member) return EXIT.notRunning;
      if (options.outDir) writeJson(options.outDir, member);
      else io.out(`${JSON.stringify(member, null, 2)}\n`);
      return EXIT.ok;
    }
    case 'federation-propose': {
      const members = (options.files ?? []).map((f) => readJson(f) as FederationMemberEntry);
      let epoch = options.epoch;
      if (epoch === undefined) {
        const status = await callRunningNode(dataDir, 'getTrustStatus', []);
        if (!status?.federation)
          throw new TrustError('give --epoch, or run this next to a running CA node (its epoch + 1)');
        epoch = status.federation.epoch + 1;
      }
      const proposal = {
        version: 1,
        epoch,
        threshold: options.threshold ?? 1,
        issuedAt: new Date().toISOString(),
        members,
        signatures: [],
      };
      parseFederationDocument(proposal); // the same checks every CA will make
      writeJson(options.outDir ?? 'federation.json', proposal);
      io.out(
        `wrote epoch ${epoch}, ${members.length} CA(s), threshold ${proposal.threshold}: ${options.outDir ?? ''}\n`,
      );
      return EXIT.ok;
    }
    case 'federation-sign': {
      const signed = await onNode('signFederation', [readJson(file ?? '') as FederationDocumentJson]);
      if (!signed) return EXIT.notRunning;
      writeJson(file ?? '', signed);
      io.out(`signed: ${signed.signatures.length} of ${signed.members.length} CA(s) have signed ${file ?? ''}\n`);
      return EXIT.ok;
    }
    default: {
      const adopted = await onNode('adoptFederation', [readJson(file ?? '') as FederationDocumentJson]);
      if (!adopted) return EXIT.notRunning;
      io.out(`now at federation epoch ${adopted.epoch} with ${adopted.members} CA(s)\n`);
      return EXIT.ok;
    }
  }
}

export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hypermesh: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  try {
    switch (options.command) {
      case 'help':
        io.out(USAGE);
        return EXIT.ok;
      case 'version':
        io.out(`${APP_VERSION}\n`);
        return EXIT.ok;
      case 'node':
      case 'trust-serve':
        return await runNode(options, dataDir, io);
      case 'trust-revoke': {
        const done = await callRunningNode(dataDir, 'revokeCertificate', [
          options.serial ?? '', // the parser requires both for trust revoke
          options.reason ?? 'unspecified',
        ]);
        if (done === undefined) {
          io.err(`HyperMesh node is not running (data dir ${dataDir}); start it with "hypermesh trust serve"\n`);
          return EXIT.notRunning;
        }
        io.out(`revoked ${done.serial}\n`);
        return EXIT.ok;
      }
      case 'federation-member':
      case 'federation-sign':
      case 'federation-adopt':
      case 'federation-propose':
        return await runFederationCommand(options, dataDir, io);
      case 'cert-show': {
        const report = readCertificateReport(dataDir);
        if (!report) {
          io.err(`this node has no TrustChain certificate yet (data dir ${dataDir})\n`);
          return EXIT.failure;
        }
        io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatCertificateReport(report));
        return EXIT.ok;
      }
      case 'cert-export': {
        for (const file of exportChain(dataDir, resolve(options.outDir ?? '.'))) io.out(`${file}\n`);
        return EXIT.ok;
      }
      case 'status': {
        const status = await callRunningNode(dataDir, 'getStatus', []);
        if (!status) {
          io.err(`HyperMesh node is not running (data dir ${dataDir})\n`);
          return EXIT.notRunning;
        }
        io.out(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
        return EXIT.ok;
      }
      case 'settings-get': {
        const settings = await withNodeApi(dataDir, 'getSettings', []);
        const value = options.settingPath ? getSettingAt(settings, options.settingPath) : settings;
        io.out(typeof value === 'string' && !options.json ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`);
        return EXIT.ok;
      }
      case 'job-run':
        return await runJobCommand(options, dataDir, io);
      case 'job-list': {
        const jobs = await callRunningNode(dataDir, 'getJobs', [{ ...(options.role ? { role: options.role } : {}) }]);
        if (!jobs) {
          io.err(`HyperMesh node is not running (data dir ${dataDir})\n`);
          return EXIT.notRunning;
        }
        io.out(options.json ? `${JSON.stringify(jobs, null, 2)}\n` : formatJobs(jobs));
        return EXIT.ok;
      }
      case 'pause':
      case 'resume': {
        const state =
          options.command === 'pause'
            ? await withNodeApi(dataDir, 'pauseSharing', [options.pause ?? { for: 'until-resumed' }])
            : await withNodeApi(dataDir, 'resumeSharing', []);
        io.out(options.json ? `${JSON.stringify(state)}\n` : formatPause(state));
        return EXIT.ok;
      }
      case 'db-backups':
      case 'db-restore':
        runDbCommand(options, dataDir, io);
        return EXIT.ok;
      case 'settings-set': {
        const path = options.settingPath ?? '';
        const patch = patchAt(path, parseSettingValue(options.settingValue ?? ''));
        const settings = await withNodeApi(dataDir, 'updateSettings', [patch]);
        io.out(`${path} = ${JSON.stringify(getSettingAt(settings, path))}\n`);
        return EXIT.ok;
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hypermesh: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof HyperMeshError) {
      io.err(`hypermesh: ${err.message} [${err.code}]\n`);
      // A value the user typed that does not fit (the message names the field and what it allows) is a usage error.
      return err.code === ErrorCode.InvalidArgument ? EXIT.usage : EXIT.failure;
    }
    io.err(`hypermesh: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failure;
  }
}

const isEntryPoint = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntryPoint) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`hypermesh: ${String(err)}\n`);
      process.exit(EXIT.failure);
    },
  );
}
