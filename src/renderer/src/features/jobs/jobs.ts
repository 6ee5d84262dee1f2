import { ErrorCode } from '../../../../shared/errors';
import { NODE_ID_PATTERN } from '../../../../shared/ledger';
import { formatBytes } from '../../../../shared/privacy';
import type { UsedPoolView } from '../../../../shared/proxy';
import {
  JOB_FAILURE_REASONS,
  JOB_LIMITS,
  type JobFailureReason,
  type JobKind,
  type JobLimitsView,
  type JobRunView,
  type JobUsageView,
  type JobView,
  type RunJobRequest,
  jobOutcome,
} from '../../../../shared/vm';
import { groupDigits } from '../wallet/wallet';

/* Renderer helpers for the Jobs page (the Catalog VM): the Run a job form, statuses, usage and output in words. */

export const KIB = 1024;
export const MIB = 1024 ** 2;

export const JOB_KIND_TEXT: Readonly<Record<JobKind, string>> = {
  wasm: 'WebAssembly',
  js: 'JavaScript',
  wgsl: 'WGSL (GPU)',
};

export const JOB_STATUS_TEXT: Readonly<Record<JobView['status'], string>> = {
  running: '● Running',
  completed: '✓ Completed',
  failed: '✗ Failed',
  disputed: '⚠ Disputed',
};

/** A job's status in words; a program that exited non-zero is not "Completed" (the CLI exits 4 for it too). */
export function jobStatusText(job: Pick<JobView, 'status' | 'exitCode'>): string {
  return jobOutcome(job) === 'exited' ? `✗ Exited with status ${job.exitCode ?? '?'}` : JOB_STATUS_TEXT[job.status];
}

/** The status's style: good only when the job succeeded (completed with exit status 0). */
export function jobStatusClass(job: Pick<JobView, 'status' | 'exitCode'>): 'good' | 'bad' | '' {
  const outcome = jobOutcome(job);
  return outcome === 'succeeded' ? 'good' : outcome === 'running' ? '' : 'bad';
}

/** A provider's run in words, with its exit status when the program exited non-zero. */
export function runStatusText(run: Pick<JobRunView, 'status' | 'exitCode'>): string {
  return run.status === 'completed' && (run.exitCode ?? 0) !== 0
    ? `✗ Exited with status ${run.exitCode ?? '?'}`
    : RUN_STATUS_TEXT[run.status];
}

export const RUN_STATUS_TEXT: Readonly<Record<JobRunView['status'], string>> = {
  completed: '✓ Completed',
  failed: '✗ Failed',
};

/** Why a job (or one provider's run of it) gave no accepted result, in words. */
export const FAILURE_REASON_TEXT: Readonly<Record<JobFailureReason, string>> = {
  'cpu-limit': 'Stopped at its CPU-time limit',
  'memory-limit': 'Stopped at its memory limit',
  'wall-limit': 'Stopped at its wall-clock time limit',
  'output-limit': 'Stopped at its output limit',
  trap: 'The module crashed (it trapped)',
  error: 'The job threw an error or could not be run',
  'invalid-module': 'Not a module the sandbox can run',
  crashed: 'Its process died on the provider (the provider serves on)',
  refused: 'The provider refused it, or none had room for it',
  'no-lease': 'The provider no longer held the lease it was run under',
  unreachable: 'The provider could not be reached or did not answer',
  'bad-proof': 'The result or its proof did not check out',
  disputed: 'The providers disagreed and no result had a majority',
  'invalid-spec': 'The GPU job spec is malformed',
  'over-limit': 'A GPU buffer or count is over the limits',
  'undeclared-buffer': 'The GPU job uses a buffer it does not declare',
  'gpu-error': 'The GPU reported an error (a shader that does not compile, ...)',
  'no-adapter': 'The provider has no GPU it may offer',
  aborted: 'The job was cancelled',
};

export const PROOF_TEXT: Readonly<Record<JobView['proof'], string>> = {
  verified: 'Proof verified',
  invalid: 'Proof did not verify',
  made: 'Proof made',
  none: 'No proof',
};

/** Whether a provider's output is the one the quorum agreed on: "Yes", "No", or "—" when there was no quorum. */
export function agreedText(agreed: boolean | null): string {
  return agreed === null ? '—' : agreed ? 'Yes' : 'No';
}

/** The reason a JOB_FAILED error names in its `reason` field (data, never the message); null if none. */
export function jobFailureOf(reason: string | undefined): JobFailureReason | null {
  return JOB_FAILURE_REASONS.find((r) => r === reason) ?? null;
}

/** What a failed call means, in words, by the node's code (and for JOB_FAILED, by its reason). */
export function jobErrorTitle(failure: { readonly code: string | null; readonly reason?: string }): string {
  const { code } = failure;
  if (code === null) return 'No answer from the node.';
  if (code === ErrorCode.JobFailed) {
    const reason = jobFailureOf(failure.reason);
    return reason ? `${FAILURE_REASON_TEXT[reason]}.` : 'The job failed.';
  }
  if (code === ErrorCode.InvalidArgument) return 'The node refused the request as invalid.';
  return 'The node could not do it.';
}

/** A duration as people read it: "250 ms", "1.2 s", "3 s", "3,600 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 100) return `${seconds.toFixed(1).replace(/\.0$/, '')} s`;
  return `${groupDigits(String(Math.round(seconds)))} s`;
}

/** What a job used: "1.2 s CPU, 3.4 s wall, 2 MiB memory". */
export function formatUsage(usage: JobUsageView): string {
  return `${formatMs(usage.cpuMs)} CPU, ${formatMs(usage.wallMs)} wall, ${formatBytes(usage.memoryPeakBytes)} memory`;
}

/** What a job was allowed: "30 s CPU, 1 min wall, 64 MiB memory, 1 MiB output". */
export function formatLimits(limits: JobLimitsView): string {
  return (
    `${formatMs(limits.cpuMs)} CPU, ${formatMs(limits.wallMs)} wall, ` +
    `${formatBytes(limits.memoryBytes)} memory, ${formatBytes(limits.outputBytes)} output`
  );
}

/** A hash short enough for a table: "3f2a9c1b…77e0" (the whole of it is in the title). */
export function shortHash(hash: string | null): string {
  if (hash === null || hash === '') return '—';
  return hash.length <= 16 ? hash : `${hash.slice(0, 8)}…${hash.slice(-4)}`;
}

/** Newest first (by when the job was made), running jobs of the same moment first. */
export function sortJobs(jobs: readonly JobView[]): JobView[] {
  return [...jobs].sort((a, b) => {
    const time = (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0);
    return time !== 0 ? time : Number(b.status === 'running') - Number(a.status === 'running');
  });
}

/* ---- bytes and base64 ---- */

const CHUNK = 3 * 8192; // a multiple of 3: the base64 of each chunk joins up without padding in between

/** Base64 (with padding) of bytes, as the node takes code and input. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK) {
    parts.push(btoa(String.fromCharCode(...bytes.subarray(at, at + CHUNK))));
  }
  return parts.join('');
}

/** The bytes of base64 text; null when it is not base64. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 === 1) return null;
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

/** Control characters other than tab, line feed and carriage return (C0, DEL and C1). */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** How many bytes of binary output the page shows in hex, and how many characters of text. */
export const HEX_PREVIEW_BYTES = 256;
export const TEXT_PREVIEW_CHARS = 100_000;

export type DecodedOutput =
  | { readonly format: 'none' }
  | { readonly format: 'text'; readonly bytes: number; readonly text: string; readonly truncated: boolean }
  | { readonly format: 'hex'; readonly bytes: number; readonly hex: string; readonly truncated: boolean };

/** Lowercase hex of bytes, 16 to a line: "00 61 73 6d 01 00 00 00". */
export function hexLines(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    lines.push(Array.from(bytes.subarray(at, at + 16), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.join('\n');
}

/**
 * A result's output (base64) for the screen: its text when it is valid UTF-8 without control characters (tabs and
 * line breaks aside), else a hex preview of its first bytes. Null or undecodable output: 'none'.
 */
export function decodeOutput(base64: string | null): DecodedOutput {
  if (base64 === null) return { format: 'none' };
  const bytes = base64ToBytes(base64);
  if (!bytes) return { format: 'none' };
  let text: string | null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = null;
  }
  if (text !== null && !UNPRINTABLE.test(text)) {
    const truncated = text.length > TEXT_PREVIEW_CHARS;
    return {
      format: 'text',
      bytes: bytes.length,
      text: truncated ? text.slice(0, TEXT_PREVIEW_CHARS) : text,
      truncated,
    };
  }
  return {
    format: 'hex',
    bytes: bytes.length,
    hex: hexLines(bytes.subarray(0, HEX_PREVIEW_BYTES)),
    truncated: bytes.length > HEX_PREVIEW_BYTES,
  };
}

/* ---- the Run a job form ---- */

/** The .wasm file chosen: its name and size, and its bytes as base64 (null when it was too big to read). */
export interface CodeFile {
  readonly name: string;
  readonly size: number;
  readonly base64: string | null;
}

/** Where a job's input comes from: the text typed, or bytes of one of this node's remote memory pools. */
export const INPUT_SOURCES = ['text', 'pool'] as const;
export type InputSource = (typeof INPUT_SOURCES)[number];

/** What the form needs to know of a pool this node uses (getProxyStatus().used). */
export type InputPool = Pick<UsedPoolView, 'address' | 'length'>;

/** A pool as the Memory pool list shows it: "fd48:4d00:…:1 (64 MiB)". */
export function poolOptionText(pool: InputPool): string {
  return `${pool.address} (${formatBytes(pool.length)})`;
}

/** The Run a job form as typed. */
export interface RunJobForm {
  readonly kind: JobKind;
  /** wasm: the module chosen. */
  readonly file: CodeFile | null;
  /** js: the source typed. */
  readonly source: string;
  /** Where the input comes from: the text below, or a window of a remote memory pool. */
  readonly inputSource: InputSource;
  /** Text given to the job as its input (stdin; `input` in JavaScript); empty for none. */
  readonly input: string;
  /** pool: the address of the pool (one of this node's), its offset and length in bytes. */
  readonly inputPool: string;
  readonly inputOffset: string;
  readonly inputLength: string;
  /** One argument per line. */
  readonly args: string;
  /** NodeIds to run it on, one per line or separated by spaces or commas; empty for any. */
  readonly providers: string;
  readonly redundancy: string;
  readonly cpuSeconds: string;
  readonly wallSeconds: string;
  readonly memoryMiB: string;
  readonly outputKiB: string;
}

export const DEFAULT_RUN_JOB_FORM: RunJobForm = {
  kind: 'wasm',
  file: null,
  source: '',
  inputSource: 'text',
  input: '',
  inputPool: '',
  inputOffset: '0',
  inputLength: '',
  args: '',
  providers: '',
  redundancy: '1',
  cpuSeconds: String(JOB_LIMITS.cpuSeconds.default),
  wallSeconds: String(JOB_LIMITS.wallSeconds.default),
  memoryMiB: String(JOB_LIMITS.memoryMiB.default),
  outputKiB: String(JOB_LIMITS.outputKiB.default),
};

/** The fields that can be wrong; 'code' is the file (wasm) or the source (js). */
export const RUN_JOB_FIELDS = [
  'code',
  'input',
  'inputPool',
  'inputOffset',
  'inputLength',
  'args',
  'providers',
  'redundancy',
  'cpuSeconds',
  'wallSeconds',
  'memoryMiB',
  'outputKiB',
] as const;
export type RunJobField = (typeof RUN_JOB_FIELDS)[number];
export type RunJobFormErrors = Partial<Record<RunJobField, string>>;

export type ParsedRunJob =
  { readonly ok: true; readonly request: RunJobRequest } | { readonly ok: false; readonly errors: RunJobFormErrors };

/** A whole number as typed ("8", " 8 "); null for anything else ("1.5", "8e2", "", "-1"). */
function wholeNumber(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,9}$/.test(t)) return null;
  return Number(t);
}

/** A count of bytes as typed ("4096", " 0 "); null for anything else ("1.5", "4e3", "", "-1"). Up to 10 digits. */
function byteCount(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return null;
  return Number(t);
}

/** A count of bytes in full: "1 byte", "4,096 bytes". */
export function formatByteCount(n: number): string {
  return `${groupDigits(String(n))} ${n === 1 ? 'byte' : 'bytes'}`;
}

/** The first 4 bytes of a WebAssembly module: "\0asm". */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;

export function isWasmModule(base64: string): boolean {
  const head = base64ToBytes(base64.slice(0, 8));
  return head !== null && head.length >= 4 && WASM_MAGIC.every((b, i) => head[i] === b);
}

/** Arguments as typed, one per line: lines kept as they are (spaces too), empty lines left out. */
export function splitArgs(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line !== '');
}

/** NodeIds as typed: one per line or separated by spaces or commas. */
export function splitProviders(text: string): string[] {
  return text.split(/[\s,]+/).filter((p) => p !== '');
}

/** A job's limits as the form asks for them: its field's label and hint, and its unit and words in errors. */
export const LIMIT_FIELDS = [
  {
    key: 'cpuSeconds',
    unit: 'seconds',
    what: 'CPU time',
    label: 'CPU limit (seconds)',
    hint: 'CPU time the job may use.',
  },
  {
    key: 'wallSeconds',
    unit: 'seconds',
    what: 'wall-clock time',
    label: 'Wall-clock limit (seconds)',
    hint: 'How long it may take, start to end.',
  },
  { key: 'memoryMiB', unit: 'MiB', what: 'memory', label: 'Memory limit (MiB)', hint: 'Its memory at most.' },
  { key: 'outputKiB', unit: 'KiB', what: 'output', label: 'Output limit (KiB)', hint: 'What it may write at most.' },
] as const;

/**
 * The input read from a remote memory pool: the pool among those this node uses (`pools`, undefined while not known),
 * an offset within it, and a length of at most JOB_LIMITS.inputBytes that ends within the pool. Sets `errors` and
 * returns null for anything wrong.
 */
function parsePoolInput(
  form: RunJobForm,
  pools: readonly InputPool[] | undefined,
  errors: RunJobFormErrors,
): { address: string; offset: number; length: number } | null {
  let pool: InputPool | undefined;
  if (pools === undefined)
    errors.inputPool = 'The memory pools this node uses are not known yet: wait a moment, then try again.';
  else if (pools.length === 0)
    errors.inputPool = 'This node uses no remote memory pools: allocate one on the Memory page first.';
  else if (form.inputPool === '') errors.inputPool = 'Choose the memory pool to read the input from.';
  else {
    pool = pools.find((p) => p.address === form.inputPool);
    if (!pool) errors.inputPool = `This node no longer uses the pool ${form.inputPool}: choose another.`;
  }

  const offset = byteCount(form.inputOffset);
  if (offset === null) {
    errors.inputOffset = 'Enter where the input starts in the pool, in bytes: a whole number from 0.';
  } else if (pool && offset > pool.length) {
    errors.inputOffset = `The offset is past the end of the pool: the pool is ${formatByteCount(pool.length)}, so the offset is at most ${groupDigits(String(pool.length))}.`;
  }

  const maxLength = JOB_LIMITS.inputBytes;
  const length = byteCount(form.inputLength);
  if (length === null || length > maxLength) {
    errors.inputLength = `Enter how many bytes to read, a whole number from 0 to ${groupDigits(String(maxLength))} (${formatBytes(maxLength)}).`;
  } else if (pool && offset !== null && errors.inputOffset === undefined && offset + length > pool.length) {
    const room = pool.length - offset;
    errors.inputLength = `${formatByteCount(length)} from offset ${groupDigits(String(offset))} go past the end of the pool (${formatByteCount(pool.length)}): at most ${formatByteCount(room)} from there.`;
  }

  if (!pool || offset === null || length === null) return null;
  if (errors.inputPool || errors.inputOffset || errors.inputLength) return null;
  return { address: pool.address, offset, length };
}

/**
 * Checks the Run a job form against JOB_LIMITS: the module (a .wasm file) or the JavaScript source within codeBytes,
 * the input (text within inputBytes of UTF-8, or a window of one of `pools`, the remote memory pools this node uses:
 * undefined while they are not known), the arguments, optional providers (full NodeIds), the redundancy and the four
 * limits. Returns the request the node takes, or every problem at once.
 */
export function parseRunJobForm(form: RunJobForm, pools?: readonly InputPool[]): ParsedRunJob {
  const errors: RunJobFormErrors = {};
  const maxCode = formatBytes(JOB_LIMITS.codeBytes);

  let code: string | null = null;
  if (form.kind === 'wasm') {
    const file = form.file;
    if (!file) errors.code = 'Choose the WebAssembly module (.wasm file) to run.';
    else if (file.size > JOB_LIMITS.codeBytes || file.base64 === null)
      errors.code = `${file.name} is ${formatBytes(file.size)}: a module is at most ${maxCode}.`;
    else if (file.size === 0) errors.code = `${file.name} is empty.`;
    else if (!isWasmModule(file.base64))
      errors.code = `${file.name} is not a WebAssembly module (it does not start with \\0asm).`;
    else code = file.base64;
  } else if (form.source.trim() === '') {
    errors.code = 'Enter the JavaScript to run.';
  } else if (utf8Length(form.source) > JOB_LIMITS.codeBytes) {
    errors.code = `The source is ${formatBytes(utf8Length(form.source))}: it may be at most ${maxCode}.`;
  } else {
    code = textToBase64(form.source);
  }

  let input: RunJobRequest['input'];
  if (form.inputSource === 'pool') {
    const proxy = parsePoolInput(form, pools, errors);
    if (proxy) input = { proxy };
  } else {
    const inputBytes = utf8Length(form.input);
    if (inputBytes > JOB_LIMITS.inputBytes) {
      errors.input = `The input is ${formatBytes(inputBytes)}: it may be at most ${formatBytes(JOB_LIMITS.inputBytes)}.`;
    } else if (form.input !== '') input = { data: textToBase64(form.input) };
  }

  const args = splitArgs(form.args);
  if (args.length > JOB_LIMITS.args) {
    errors.args = `At most ${JOB_LIMITS.args} arguments (one per line); there are ${args.length}.`;
  } else {
    const long = args.findIndex((a) => a.length > JOB_LIMITS.argLength);
    if (long >= 0) {
      errors.args = `Argument ${long + 1} is ${groupDigits(String(args[long]?.length ?? 0))} characters long: each may be at most ${groupDigits(String(JOB_LIMITS.argLength))}.`;
    } else if (args.some((a) => a.includes('\0'))) {
      errors.args = 'An argument may not contain a NUL character.';
    }
  }

  const providers = splitProviders(form.providers);
  if (providers.length > 16) {
    errors.providers = `At most 16 providers; there are ${providers.length}.`;
  } else {
    const bad = providers.find((p) => !NODE_ID_PATTERN.test(p));
    if (bad !== undefined) {
      errors.providers = `"${bad}" is not a NodeId: a NodeId is 52 characters, a–z and 2–7 (the short form hm-… is not enough).`;
    }
  }

  const { min: rMin, max: rMax } = JOB_LIMITS.redundancy;
  const redundancy = wholeNumber(form.redundancy);
  if (redundancy === null || redundancy < rMin || redundancy > rMax) {
    errors.redundancy = `Enter how many providers run it, a whole number from ${rMin} to ${rMax}.`;
  } else if (providers.length > 0 && errors.providers === undefined && redundancy > providers.length) {
    errors.redundancy = `${redundancy} providers should run it, but only ${providers.length} ${providers.length === 1 ? 'is' : 'are'} named.`;
  }

  const limits: Partial<Record<(typeof LIMIT_FIELDS)[number]['key'], number>> = {};
  for (const { key, unit, what } of LIMIT_FIELDS) {
    const { min, max } = JOB_LIMITS[key];
    const value = wholeNumber(form[key]);
    if (value === null || value < min || value > max) {
      errors[key] = `Enter the ${what} limit in ${unit}, a whole number from ${min} to ${groupDigits(String(max))}.`;
    } else limits[key] = value;
  }

  if (Object.keys(errors).length > 0 || code === null || redundancy === null) return { ok: false, errors };
  const request: RunJobRequest = {
    kind: form.kind,
    code,
    ...(input === undefined ? {} : { input }),
    ...(args.length === 0 ? {} : { args }),
    redundancy,
    limits,
    ...(providers.length === 0 ? {} : { providers }),
  };
  return { ok: true, request };
}
