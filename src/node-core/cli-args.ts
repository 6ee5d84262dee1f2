import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { parseServiceAddress } from '../shared/settings';
import type { PauseRequest } from '../shared/sharing-view';
import { DurationError, parsePauseFor } from './cli-sharing';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: hypermesh <command> [options]

Commands:
  node                      run the node: serves the API and the UI on loopback until Ctrl-C
  status                    show the running node's status
  settings get [PATH]       print all settings, or one (e.g. allocation.cpu)
  settings set PATH VALUE   change one setting (e.g. settings set allocation.cpu 25,
                            settings set rules.suspendOnBattery true; docs/sharing-rules.md lists the rules)
  pause [--for DURATION]    pause all sharing until "hypermesh resume", or --for 1h, 90m, 2h30m, tomorrow
  resume                    resume sharing after a pause
  trust serve               run the node with a TrustChain certificate authority (keys in DATA/trust/ca.json)
  trust revoke SERIAL       revoke a certificate the running CA issued (--reason TEXT)
  trust federation member   print how the running CA appears in a federation document (--out FILE to save it)
  trust federation propose MEMBER.json...  write an unsigned federation document (--threshold K, --out FILE)
  trust federation sign FILE    add the running CA's signature to the document in FILE
  trust federation adopt FILE   switch the running CA to the signed document in FILE
  cert show                 show this node's TrustChain certificate and chain
  cert export --out DIR     write root.pem, intermediate.pem and node.pem of this node's chain to DIR
  job run --wasm FILE | --js FILE   run a job on peers' shared CPU (Catalog VM); its output goes to stdout
                            (or --out FILE), a summary to stderr
  job run --wgsl FILE --spec JOB.json   run WGSL compute shaders on peers' GPUs: JOB.json declares buffers,
                            bind groups, dispatches and outputs (modules without "code" get FILE's source);
                            the output buffers, concatenated, go to stdout (or --out FILE)
  db backups                list the database backups in DATA/backups (daily and before each migration)
  db restore --latest | --from FILE   put a backup in place of the database (the node must be stopped;
                            the replaced file is moved aside, not deleted)
  job list                  jobs this node ran on peers and ran for them (--role consumer|provider, --json)

Options:
  --data-dir DIR            the node's data directory (default: the platform's per-user data folder)
  --api-port PORT           port of the local API and UI, 0 for any free port (default 9293)
  --api-host HOST           address of the local API (default 127.0.0.1; loopback only)
  --allow-remote-api        allow --api-host to be a non-loopback address (anyone who can reach it needs the token)
  --listen ADDR:PORT        peer transport (STOQ) address, IPv6 first (default [::]:9292)
  --no-ui                   serve the API without the UI
  --gpu-jobs off|on|test    run peers' GPU (WGSL) jobs: on = hardware adapters only, test = software ones too
                            (SwiftShader; tests and CI only); default off
  --json                    machine-readable output (status, settings get, cert show)
  --name NAME               the CA's name (trust serve; default "HyperMesh TrustChain")
  --advertise HOST:PORT     the address peers should dial the CA at (trust serve; default the listen address)
  --reason TEXT             why a certificate is revoked (trust revoke)
  --out DIR|FILE            where cert export / trust federation writes; job run: the output file
  --for DURATION            how long a pause lasts (1m–30d, e.g. 1h, 2h30m) or "tomorrow" (local midnight)
  --threshold K             how many CAs must co-sign each certificate (trust federation propose)
  --epoch N                 the proposal's epoch (default: the running CA's epoch + 1)
  --input FILE              the job's input (stdin of a WASI command; \`input\` in JavaScript)
  --input-proxy ADDR:OFFSET:LENGTH  the job's input read from one of this node's remote memory pools
  --arg TEXT                an argument for the job (repeatable)
  --redundancy N            run on N providers (1–5) and accept the result a majority agrees on
  --provider NODEID         run only on this provider (repeatable)
  --cpu-seconds N, --wall-seconds N, --memory-mib N, --output-kib N   the job's limits
  -h, --help                show this help
  -v, --version             show the version
`;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface CliOptions {
  readonly command:
    | 'node'
    | 'status'
    | 'settings-get'
    | 'settings-set'
    | 'trust-serve'
    | 'trust-revoke'
    | 'federation-member'
    | 'federation-propose'
    | 'federation-sign'
    | 'federation-adopt'
    | 'cert-show'
    | 'cert-export'
    | 'job-run'
    | 'job-list'
    | 'db-backups'
    | 'db-restore'
    | 'pause'
    | 'resume'
    | 'help'
    | 'version';
  readonly dataDir?: string;
  readonly apiPort: number;
  readonly apiHost: string;
  readonly allowRemoteApi: boolean;
  readonly listen: ListenAddress;
  readonly ui: boolean;
  readonly json: boolean;
  /** How often a consumer signs usage receipts for its leases (default 60 s). */
  readonly receiptIntervalSeconds?: number;
  readonly gpuJobs?: 'off' | 'on' | 'test';
  readonly settingPath?: string;
  readonly settingValue?: string;
  readonly caName?: string;
  readonly advertise?: string;
  readonly serial?: string;
  readonly reason?: string;
  readonly outDir?: string;
  readonly files?: readonly string[];
  readonly threshold?: number;
  readonly epoch?: number;
  readonly job?: JobRunOptions;
  readonly role?: 'consumer' | 'provider';
  readonly pause?: PauseRequest;
  /** db restore: the backup to restore, or 'latest'. */
  readonly restoreFrom?: { readonly file: string } | 'latest';
}

export interface JobRunOptions {
  readonly kind: 'wasm' | 'js' | 'wgsl';
  readonly codeFile: string;
  /** wgsl: the JSON spec (docs/vm.md, "GPU jobs"). */
  readonly specFile?: string;
  readonly inputFile?: string;
  readonly inputProxy?: { readonly address: string; readonly offset: number; readonly length: number };
  readonly args: readonly string[];
  readonly redundancy?: number;
  readonly providers?: readonly string[];
  readonly limits: {
    readonly cpuSeconds?: number;
    readonly wallSeconds?: number;
    readonly memoryMiB?: number;
    readonly outputKiB?: number;
  };
}

export const DEFAULT_API_PORT = 9293;
export const DEFAULT_STOQ_PORT = 9292;

export function parsePort(flag: string, text: string, allowZero: boolean): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port > 65535 || (!allowZero && port === 0)) {
    throw new UsageError(`${flag} must be a port number ${allowZero ? '0' : '1'}–65535, got "${text}"`);
  }
  return port;
}

/** `[::1]:9292`, `[::]:9292`, `127.0.0.1:9292`: IPv6 in brackets, as in URLs. */
export function parseListen(text: string): ListenAddress {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const v4 = /^([^:[\]]+):(\d+)$/.exec(text);
  const match = v6 ?? v4;
  const host = match?.[1];
  const port = match?.[2];
  if (!host || !port || isIP(host) === 0 || (v6 && isIP(host) !== 6)) {
    throw new UsageError(`--listen must be ADDRESS:PORT with an IP address, e.g. [::1]:9292, got "${text}"`);
  }
  return { host, port: parsePort('--listen port', port, true) };
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string' },
        'api-port': { type: 'string' },
        'api-host': { type: 'string' },
        'allow-remote-api': { type: 'boolean' },
        listen: { type: 'string' },
        'no-ui': { type: 'boolean' },
        json: { type: 'boolean' },
        name: { type: 'string' },
        advertise: { type: 'string' },
        reason: { type: 'string' },
        out: { type: 'string' },
        threshold: { type: 'string' },
        epoch: { type: 'string' },
        'receipt-interval': { type: 'string' },
        'gpu-jobs': { type: 'string' },
        wasm: { type: 'string' },
        js: { type: 'string' },
        wgsl: { type: 'string' },
        spec: { type: 'string' },
        input: { type: 'string' },
        'input-proxy': { type: 'string' },
        arg: { type: 'string', multiple: true },
        redundancy: { type: 'string' },
        provider: { type: 'string', multiple: true },
        'cpu-seconds': { type: 'string' },
        'wall-seconds': { type: 'string' },
        'memory-mib': { type: 'string' },
        'output-kib': { type: 'string' },
        role: { type: 'string' },
        for: { type: 'string' },
        from: { type: 'string' },
        latest: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const base = {
    ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
    apiPort: values['api-port'] === undefined ? DEFAULT_API_PORT : parsePort('--api-port', values['api-port'], true),
    apiHost: values['api-host'] ?? '127.0.0.1',
    allowRemoteApi: values['allow-remote-api'] ?? false,
    listen: values.listen === undefined ? { host: '::', port: DEFAULT_STOQ_PORT } : parseListen(values.listen),
    ui: !(values['no-ui'] ?? false),
    json: values.json ?? false,
    ...(values['receipt-interval'] === undefined
      ? {}
      : { receiptIntervalSeconds: boundedInt('--receipt-interval', values['receipt-interval'], 1, 3600) }),
    ...(values['gpu-jobs'] === undefined ? {} : { gpuJobs: gpuJobsMode(values['gpu-jobs']) }),
  };
  if (values['data-dir'] === '') throw new UsageError('--data-dir must not be empty');
  if (values.help) return { ...base, command: 'help' };
  if (values.version) return { ...base, command: 'version' };
  const [command, ...rest] = positionals;
  const expectArgs = (n: number, usage: string) => {
    if (rest.length !== n) throw new UsageError(`usage: hypermesh ${usage}`);
  };
  switch (command) {
    case undefined:
      return { ...base, command: 'help' };
    case 'node':
      expectArgs(0, 'node [options]');
      return { ...base, command: 'node' };
    case 'status':
      expectArgs(0, 'status [--data-dir DIR] [--json]');
      return { ...base, command: 'status' };
    case 'settings': {
      const [sub, path, value] = rest;
      if (sub === 'get' && rest.length <= 2) {
        return { ...base, command: 'settings-get', ...(path === undefined ? {} : { settingPath: path }) };
      }
      if (sub === 'set' && path !== undefined && value !== undefined && rest.length === 3) {
        return { ...base, command: 'settings-set', settingPath: path, settingValue: value };
      }
      throw new UsageError('usage: hypermesh settings get [PATH] | hypermesh settings set PATH VALUE');
    }
    case 'db': {
      const [sub] = rest;
      if (sub === 'backups' && rest.length === 1) return { ...base, command: 'db-backups' };
      if (sub === 'restore' && rest.length === 1) {
        const from = values.from;
        if ((from === undefined) === (values.latest !== true)) {
          throw new UsageError('usage: hypermesh db restore --latest | --from FILE (one of the two)');
        }
        if (from === '') throw new UsageError('--from must name a backup file');
        return { ...base, command: 'db-restore', restoreFrom: from === undefined ? 'latest' : { file: from } };
      }
      throw new UsageError('usage: hypermesh db backups | hypermesh db restore --latest | --from FILE');
    }
    case 'pause':
      expectArgs(0, 'pause [--for DURATION]');
      try {
        return { ...base, command: 'pause', pause: parsePauseFor(values.for) };
      } catch (err) {
        if (err instanceof DurationError) throw new UsageError(err.message);
        throw err;
      }
    case 'resume':
      expectArgs(0, 'resume');
      return { ...base, command: 'resume' };
    case 'trust': {
      const [sub, serial] = rest;
      if (sub === 'serve' && rest.length === 1) {
        const name = values.name ?? 'HyperMesh TrustChain';
        if (name.length === 0 || name.length > 64 || [...name].some((ch) => ch.charCodeAt(0) < 0x20))
          throw new UsageError('--name must be 1–64 printable characters');
        if (values.advertise !== undefined && parseServiceAddress(values.advertise) === null)
          throw new UsageError(`--advertise must be HOST:PORT, got "${values.advertise}"`);
        return {
          ...base,
          command: 'trust-serve',
          caName: name,
          ...(values.advertise === undefined ? {} : { advertise: values.advertise }),
        };
      }
      if (sub === 'revoke' && serial !== undefined && rest.length === 2) {
        if (!/^[0-9a-fA-F]{1,64}$/.test(serial))
          throw new UsageError(`the serial must be hexadecimal, got "${serial}"`);
        const reason = values.reason ?? 'unspecified';
        if (reason.length > 200) throw new UsageError('--reason must be at most 200 characters');
        return { ...base, command: 'trust-revoke', serial: serial.toLowerCase(), reason };
      }
      if (sub === 'federation') return parseFederationCommand(base, rest.slice(1), values);
      throw new UsageError(
        'usage: hypermesh trust serve [--name NAME] [--listen ADDR] | trust revoke SERIAL | trust federation ...',
      );
    }
    case 'cert': {
      const [sub] = rest;
      if (sub === 'show' && rest.length === 1) return { ...base, command: 'cert-show' };
      if (sub === 'export' && rest.length === 1) {
        if (!values.out) throw new UsageError('usage: hypermesh cert export --out DIR');
        return { ...base, command: 'cert-export', outDir: values.out };
      }
      throw new UsageError('usage: hypermesh cert show [--json] | hypermesh cert export --out DIR');
    }
    case 'job': {
      const [sub] = rest;
      if (sub === 'list' && rest.length === 1) {
        const role = values.role;
        if (role !== undefined && role !== 'consumer' && role !== 'provider')
          throw new UsageError(`--role must be consumer or provider, got "${role}"`);
        return { ...base, command: 'job-list', ...(role === undefined ? {} : { role }) };
      }
      if (sub === 'run' && rest.length === 1) {
        const out = values.out === undefined ? {} : { outDir: values.out };
        return { ...base, ...out, command: 'job-run', job: parseJobRun(values) };
      }
      throw new UsageError(
        'usage: hypermesh job run --wasm FILE | --js FILE | --wgsl FILE --spec JOB.json [--input FILE] [--redundancy N] ... | hypermesh job list',
      );
    }
    default:
      throw new UsageError(`unknown command "${command}" (try hypermesh --help)`);
  }
}

function parseJobRun(values: {
  wasm?: string | undefined;
  js?: string | undefined;
  wgsl?: string | undefined;
  spec?: string | undefined;
  input?: string | undefined;
  'input-proxy'?: string | undefined;
  arg?: string[] | undefined;
  redundancy?: string | undefined;
  provider?: string[] | undefined;
  'cpu-seconds'?: string | undefined;
  'wall-seconds'?: string | undefined;
  'memory-mib'?: string | undefined;
  'output-kib'?: string | undefined;
}): JobRunOptions {
  const kinds = (['wasm', 'js', 'wgsl'] as const).filter((k) => values[k] !== undefined);
  const kind = kinds[0];
  if (kinds.length !== 1 || kind === undefined)
    throw new UsageError('job run needs exactly one of --wasm FILE, --js FILE and --wgsl FILE');
  if ((kind === 'wgsl') !== (values.spec !== undefined))
    throw new UsageError(kind === 'wgsl' ? '--wgsl needs --spec JOB.json' : '--spec goes with --wgsl only');
  if (kind === 'wgsl' && values.arg !== undefined) throw new UsageError('a WGSL job takes no --arg');
  if (values.input !== undefined && values['input-proxy'] !== undefined)
    throw new UsageError('--input and --input-proxy cannot be used together');
  let inputProxy: JobRunOptions['inputProxy'];
  if (values['input-proxy'] !== undefined) {
    const m = /^(fd48:4d00(?::[0-9a-fA-F]{1,4}){6}):(\d{1,10}):(\d{1,10})$/.exec(values['input-proxy']);
    if (!m) throw new UsageError(`--input-proxy must be ADDRESS:OFFSET:LENGTH, got "${values['input-proxy']}"`);
    inputProxy = { address: m[1] as string, offset: Number(m[2]), length: Number(m[3]) };
  }
  for (const p of values.provider ?? []) {
    if (!/^[a-z2-7]{52}$/.test(p)) throw new UsageError(`--provider must be a NodeId (52 characters), got "${p}"`);
  }
  const optional = (flag: string, text: string | undefined, min: number, max: number) =>
    text === undefined ? undefined : boundedInt(flag, text, min, max);
  const limits = {
    cpuSeconds: optional('--cpu-seconds', values['cpu-seconds'], 1, 3600),
    wallSeconds: optional('--wall-seconds', values['wall-seconds'], 1, 3600),
    memoryMiB: optional('--memory-mib', values['memory-mib'], 1, 4096),
    outputKiB: optional('--output-kib', values['output-kib'], 1, 768),
  };
  const redundancy = optional('--redundancy', values.redundancy, 1, 5);
  return {
    kind,
    codeFile: values[kind] as string,
    ...(values.spec === undefined ? {} : { specFile: values.spec }),
    ...(values.input === undefined ? {} : { inputFile: values.input }),
    ...(inputProxy ? { inputProxy } : {}),
    args: values.arg ?? [],
    ...(redundancy === undefined ? {} : { redundancy }),
    ...(values.provider ? { providers: values.provider } : {}),
    limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
  };
}

function gpuJobsMode(text: string): 'off' | 'on' | 'test' {
  if (text === 'off' || text === 'on' || text === 'test') return text;
  throw new UsageError(`--gpu-jobs must be off, on or test, got "${text}"`);
}

function boundedInt(flag: string, text: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(text)) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return Number(text);
}

function parseFederationCommand(
  base: Omit<CliOptions, 'command'>,
  args: readonly string[],
  values: { out?: string | undefined; threshold?: string | undefined; epoch?: string | undefined },
): CliOptions {
  const [sub, ...files] = args;
  const out = values.out === undefined ? {} : { outDir: values.out };
  switch (sub) {
    case 'member':
      if (files.length === 0) return { ...base, ...out, command: 'federation-member' };
      break;
    case 'propose': {
      const threshold = positiveInt('--threshold', values.threshold);
      const epoch = positiveInt('--epoch', values.epoch);
      if (files.length === 0 || threshold === undefined || values.out === undefined) {
        throw new UsageError('usage: hypermesh trust federation propose MEMBER.json... --threshold K --out FILE');
      }
      if (threshold > files.length)
        throw new UsageError(`--threshold ${threshold} is more than the ${files.length} members`);
      return {
        ...base,
        ...out,
        command: 'federation-propose',
        files,
        threshold,
        ...(epoch === undefined ? {} : { epoch }),
      };
    }
    case 'sign':
    case 'adopt':
      if (files.length === 1)
        return { ...base, command: sub === 'sign' ? 'federation-sign' : 'federation-adopt', files };
      break;
  }
  throw new UsageError(
    'usage: hypermesh trust federation member [--out FILE] | propose MEMBER.json... --threshold K --out FILE | sign FILE | adopt FILE',
  );
}

/**
 * A setting's value as typed on a command line: JSON where it parses (25, true, "x"), else the bare text. Text with
 * stray whitespace stays text, so ' 50' is refused as the API refuses it, not read as 50.
 */
export function parseSettingValue(text: string): unknown {
  if (text !== text.trim()) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
