import { describe, expect, it } from 'vitest';
import type { NodeApi } from '../../../../shared/api/contract';
import { validateCall } from '../../../../shared/api/validators';
import { ErrorCode, RemoteError } from '../../../../shared/errors';
import { formatBytes } from '../../../../shared/privacy';
import {
  JOB_FAILURE_REASONS,
  JOB_LIMITS,
  jobOutcome,
  type JobQuery,
  type JobResultView,
  type JobView,
  type RunJobRequest,
} from '../../../../shared/vm';
import {
  DEFAULT_RUN_JOB_FORM,
  FAILURE_REASON_TEXT,
  HEX_PREVIEW_BYTES,
  JOB_STATUS_TEXT,
  KIB,
  MIB,
  PROOF_TEXT,
  RUN_JOB_FIELDS,
  agreedText,
  base64ToBytes,
  bytesToBase64,
  decodeOutput,
  formatByteCount,
  formatLimits,
  formatMs,
  formatUsage,
  isWasmModule,
  jobErrorTitle,
  jobFailureOf,
  jobStatusClass,
  jobStatusText,
  runStatusText,
  parseRunJobForm,
  poolOptionText,
  shortHash,
  sortJobs,
  splitArgs,
  textToBase64,
  type InputPool,
  type RunJobForm,
} from './jobs';
import { createAppStore } from '../../store';

const NODE_A = 'a'.repeat(52);
const NODE_B = 'b2'.repeat(26);
/** The smallest module there is: the magic number and version 1. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

const form = (change: Partial<RunJobForm>): RunJobForm => ({ ...DEFAULT_RUN_JOB_FORM, ...change });
const jsForm = (change: Partial<RunJobForm> = {}) => form({ kind: 'js', source: "print('hi')", ...change });
const errorsOf = (f: RunJobForm) => {
  const parsed = parseRunJobForm(f);
  return parsed.ok ? {} : parsed.errors;
};
const POOL_A: InputPool = { address: 'fd48:4d00:1:2:3:4:5:6', length: 64 * KIB };
const POOL_B: InputPool = { address: 'fd48:4d00:a:b:c:d:e:f', length: 4096 };
const POOLS = [POOL_A, POOL_B];
/** A JavaScript job whose input comes from POOL_B unless told otherwise. */
const poolForm = (change: Partial<RunJobForm> = {}) =>
  jsForm({ inputSource: 'pool', inputPool: POOL_B.address, inputOffset: '0', inputLength: '10', ...change });
/** The errors of a form, with the pools this node uses as given (undefined: not known yet). */
const errorsWith = (f: RunJobForm, pools: readonly InputPool[] | undefined) => {
  const parsed = parseRunJobForm(f, pools);
  return parsed.ok ? {} : parsed.errors;
};
const poolErrorsOf = (f: RunJobForm) => errorsWith(f, POOLS);
const decodeText = (base64: string) => new TextDecoder().decode(base64ToBytes(base64) ?? new Uint8Array());

function job(change: Partial<JobView> & Pick<JobView, 'jobId'>): JobView {
  return {
    role: 'consumer',
    kind: 'js',
    status: 'completed',
    consumer: null,
    codeHash: 'c'.repeat(64),
    inputHash: 'd'.repeat(64),
    outputHash: 'e'.repeat(64),
    exitCode: 0,
    redundancy: 1,
    limits: { cpuMs: 30_000, wallMs: 60_000, memoryBytes: 64 * MIB, outputBytes: MIB },
    usage: { cpuMs: 12, wallMs: 40, memoryPeakBytes: 2 * MIB },
    failure: null,
    proof: 'verified',
    runs: [],
    createdAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:00:01Z',
    ...change,
  };
}

describe('jobs in words', () => {
  it('says why a job failed, for every reason there is', () => {
    expect(FAILURE_REASON_TEXT['cpu-limit']).toBe('Stopped at its CPU-time limit');
    expect(FAILURE_REASON_TEXT['memory-limit']).toBe('Stopped at its memory limit');
    expect(FAILURE_REASON_TEXT.disputed).toBe('The providers disagreed and no result had a majority');
    // Every reason the node can send has its sentence (the list lives in src/shared/vm.ts).
    expect(Object.keys(FAILURE_REASON_TEXT).sort()).toEqual([...JOB_FAILURE_REASONS].sort());
    // One sentence each, and no two alike.
    expect(new Set(Object.values(FAILURE_REASON_TEXT)).size).toBe(JOB_FAILURE_REASONS.length);
  });

  it('shows a program that exited non-zero as such, not as completed (the CLI exits 4 for it)', () => {
    const exited = { status: 'completed', exitCode: 76 } as const;
    expect(jobOutcome(exited)).toBe('exited');
    expect(jobStatusText(exited)).toBe('✗ Exited with status 76');
    expect(jobStatusClass(exited)).toBe('bad');
    expect(runStatusText(exited)).toBe('✗ Exited with status 76');
    const ok = { status: 'completed', exitCode: 0 } as const;
    expect([jobOutcome(ok), jobStatusText(ok), jobStatusClass(ok)]).toEqual(['succeeded', '✓ Completed', 'good']);
    // A JavaScript job has no exit status: completed is success.
    expect(jobOutcome({ status: 'completed', exitCode: null })).toBe('succeeded');
    for (const status of ['failed', 'disputed'] as const) {
      expect(jobOutcome({ status, exitCode: null })).toBe('failed');
      expect(jobStatusClass({ status, exitCode: null })).toBe('bad');
    }
    expect(jobOutcome({ status: 'running', exitCode: null })).toBe('running');
    expect(jobStatusClass({ status: 'running', exitCode: null })).toBe('');
  });

  it('names statuses, proofs and agreement', () => {
    expect(JOB_STATUS_TEXT.completed).toBe('✓ Completed');
    expect(JOB_STATUS_TEXT.disputed).toBe('⚠ Disputed');
    expect(PROOF_TEXT).toEqual({
      verified: 'Proof verified',
      invalid: 'Proof did not verify',
      made: 'Proof made',
      none: 'No proof',
    });
    expect(agreedText(true)).toBe('Yes');
    expect(agreedText(false)).toBe('No');
    expect(agreedText(null)).toBe('—');
  });

  it('reads the reason a JOB_FAILED error carries as data (never its message), and titles errors by code', () => {
    expect(jobFailureOf('cpu-limit')).toBe('cpu-limit');
    expect(jobFailureOf('invalid-module')).toBe('invalid-module');
    expect(jobFailureOf('something-else')).toBeNull();
    expect(jobFailureOf(undefined)).toBeNull();
    expect(jobErrorTitle({ code: ErrorCode.JobFailed, reason: 'cpu-limit' })).toBe('Stopped at its CPU-time limit.');
    expect(jobErrorTitle({ code: ErrorCode.JobFailed, reason: 'refused' })).toBe(
      'The provider refused it, or none had room for it.',
    );
    // A message that looks like a reason is not read: only the field counts.
    expect(jobErrorTitle({ code: ErrorCode.JobFailed })).toBe('The job failed.');
    expect(jobErrorTitle({ code: ErrorCode.InvalidArgument })).toBe('The node refused the request as invalid.');
    expect(jobErrorTitle({ code: null })).toBe('No answer from the node.');
    expect(jobErrorTitle({ code: ErrorCode.Internal })).toBe('The node could not do it.');
  });

  it('writes durations, usage and limits the way people read them', () => {
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(250.4)).toBe('250 ms');
    expect(formatMs(999.6)).toBe('1 s');
    expect(formatMs(1234)).toBe('1.2 s');
    expect(formatMs(3000)).toBe('3 s');
    expect(formatMs(3_600_000)).toBe('3,600 s');
    expect(formatMs(Number.NaN)).toBe('—');
    expect(formatUsage({ cpuMs: 1200, wallMs: 3400, memoryPeakBytes: 2 * MIB })).toBe(
      '1.2 s CPU, 3.4 s wall, 2 MiB memory',
    );
    expect(formatLimits({ cpuMs: 30_000, wallMs: 60_000, memoryBytes: 64 * MIB, outputBytes: 1024 * 1024 })).toBe(
      '30 s CPU, 60 s wall, 64 MiB memory, 1 MiB output',
    );
  });

  it('shortens hashes, keeping both ends', () => {
    const hash = '3f2a9c1b' + '0'.repeat(52) + '77e0';
    expect(shortHash(hash)).toBe('3f2a9c1b…77e0');
    expect(shortHash('abc')).toBe('abc');
    expect(shortHash(null)).toBe('—');
    expect(shortHash('')).toBe('—');
  });

  it('lists jobs newest first', () => {
    const sorted = sortJobs([
      job({ jobId: 'old', createdAt: '2026-01-01T00:00:00Z' }),
      job({ jobId: 'new', createdAt: '2026-01-03T00:00:00Z' }),
      job({ jobId: 'middle', createdAt: '2026-01-02T00:00:00Z' }),
    ]);
    expect(sorted.map((j) => j.jobId)).toEqual(['new', 'middle', 'old']);
  });
});

describe('base64 and output', () => {
  it('encodes bytes as the node takes them, in chunks that join up', () => {
    expect(bytesToBase64(new Uint8Array())).toBe('');
    expect(bytesToBase64(new TextEncoder().encode('hello'))).toBe('aGVsbG8=');
    expect(bytesToBase64(EMPTY_MODULE)).toBe('AGFzbQEAAAA=');
    expect(textToBase64('héllo ✓')).toBe('aMOpbGxvIOKckw==');
    // Longer than one chunk (24 KiB) and not a multiple of 3: the round trip is exact.
    const big = new Uint8Array(100_001).map((_, i) => (i * 7919) % 256);
    const encoded = bytesToBase64(big);
    expect(encoded.length).toBe(Math.ceil(big.length / 3) * 4);
    expect(base64ToBytes(encoded)).toEqual(big);
  });

  it('refuses what is not base64', () => {
    expect(base64ToBytes('not base64!')).toBeNull();
    expect(base64ToBytes('abcde')).toBeNull();
    expect(base64ToBytes('')).toEqual(new Uint8Array());
  });

  it('shows printable UTF-8 output as text', () => {
    expect(decodeOutput(textToBase64('hello\n\tworld ✓\r\n'))).toEqual({
      format: 'text',
      bytes: 18,
      text: 'hello\n\tworld ✓\r\n',
      truncated: false,
    });
    expect(decodeOutput('')).toEqual({ format: 'text', bytes: 0, text: '', truncated: false });
    expect(decodeOutput(null)).toEqual({ format: 'none' });
  });

  it('shows binary, invalid UTF-8 and control characters as hex', () => {
    expect(decodeOutput(bytesToBase64(EMPTY_MODULE))).toEqual({
      format: 'hex',
      bytes: 8,
      hex: '00 61 73 6d 01 00 00 00',
      truncated: false,
    });
    // A lone continuation byte is not UTF-8.
    expect(decodeOutput(bytesToBase64(new Uint8Array([0x68, 0x80, 0x69]))).format).toBe('hex');
    // An escape sequence (terminal colours) is not shown as text.
    expect(decodeOutput(textToBase64('\u001b[31mred')).format).toBe('hex');
    expect(decodeOutput(textToBase64('bell\u0007')).format).toBe('hex');
  });

  it('previews only the first bytes of long binary output, 16 to a line', () => {
    const bytes = new Uint8Array(1000).fill(0xff);
    const decoded = decodeOutput(bytesToBase64(bytes));
    if (decoded.format !== 'hex') throw new Error(`expected hex, got ${decoded.format}`);
    expect(decoded.bytes).toBe(1000);
    expect(decoded.truncated).toBe(true);
    const lines = decoded.hex.split('\n');
    expect(lines).toHaveLength(HEX_PREVIEW_BYTES / 16);
    expect(lines[0]).toBe(Array(16).fill('ff').join(' '));
  });
});

describe('the Run a job form', () => {
  it('turns a JavaScript job into the request the node takes', () => {
    const parsed = parseRunJobForm(
      jsForm({
        source: "print('héllo ' + input)",
        input: 'wörld',
        args: 'first\n  spaced arg \n\nlast\n',
        redundancy: '3',
        cpuSeconds: ' 5 ',
        wallSeconds: '10',
        memoryMiB: '128',
        outputKiB: '16',
      }),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const { request } = parsed;
    expect(request.kind).toBe('js');
    expect(decodeText(request.code)).toBe("print('héllo ' + input)");
    expect(request.input).toEqual({ data: textToBase64('wörld') });
    expect(request.input && 'data' in request.input ? decodeText(request.input.data) : null).toBe('wörld');
    expect(request.args).toEqual(['first', '  spaced arg ', 'last']);
    expect(request.redundancy).toBe(3);
    expect(request.limits).toEqual({ cpuSeconds: 5, wallSeconds: 10, memoryMiB: 128, outputKiB: 16 });
    expect(request.providers).toBeUndefined();
  });

  it('leaves out empty input, arguments and providers; the defaults are JOB_LIMITS', () => {
    const parsed = parseRunJobForm(jsForm());
    expect(parsed).toEqual({
      ok: true,
      request: {
        kind: 'js',
        code: textToBase64("print('hi')"),
        redundancy: 1,
        limits: {
          cpuSeconds: JOB_LIMITS.cpuSeconds.default,
          wallSeconds: JOB_LIMITS.wallSeconds.default,
          memoryMiB: JOB_LIMITS.memoryMiB.default,
          outputKiB: JOB_LIMITS.outputKiB.default,
        },
      },
    });
  });

  it('sends a chosen .wasm file as it is', () => {
    const base64 = bytesToBase64(EMPTY_MODULE);
    const parsed = parseRunJobForm(form({ file: { name: 'hello.wasm', size: 8, base64 }, providers: NODE_A }));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.request.kind).toBe('wasm');
    expect(parsed.request.code).toBe(base64);
    expect(parsed.request.providers).toEqual([NODE_A]);
  });

  it('makes only requests the node’s own validator takes', () => {
    const requests: RunJobRequest[] = [];
    for (const f of [
      jsForm(),
      jsForm({ input: 'x', args: 'a\nb', redundancy: '2', providers: `${NODE_A}\n${NODE_B}` }),
      jsForm({
        redundancy: String(JOB_LIMITS.redundancy.max),
        memoryMiB: String(JOB_LIMITS.memoryMiB.max),
        outputKiB: String(JOB_LIMITS.outputKiB.max),
        wallSeconds: String(JOB_LIMITS.wallSeconds.min),
      }),
      form({
        file: { name: 'm.wasm', size: 8, base64: bytesToBase64(EMPTY_MODULE) },
        cpuSeconds: String(JOB_LIMITS.cpuSeconds.max),
      }),
    ]) {
      const parsed = parseRunJobForm(f);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      requests.push(parsed.request);
    }
    for (const request of requests) expect(() => validateCall('runJob', [request])).not.toThrow();
  });

  it('asks for the code of the kind chosen, and checks it', () => {
    expect(errorsOf(form({ kind: 'wasm', file: null, source: 'print(1)' })).code).toBe(
      'Choose the WebAssembly module (.wasm file) to run.',
    );
    expect(errorsOf(jsForm({ source: '   \n ' })).code).toBe('Enter the JavaScript to run.');
    expect(errorsOf(form({ file: { name: 'big.wasm', size: JOB_LIMITS.codeBytes + 1, base64: null } })).code).toBe(
      `big.wasm is ${formatBytes(JOB_LIMITS.codeBytes)}: a module is at most ${formatBytes(JOB_LIMITS.codeBytes)}.`,
    );
    expect(errorsOf(form({ file: { name: 'x.wasm', size: 0, base64: '' } })).code).toBe('x.wasm is empty.');
    expect(errorsOf(form({ file: { name: 'x.wasm', size: 5, base64: textToBase64('hello') } })).code).toBe(
      'x.wasm is not a WebAssembly module (it does not start with \\0asm).',
    );
    // The kind not chosen does not matter.
    expect(errorsOf(jsForm({ file: null }))).toEqual({});
  });

  it('recognises a WebAssembly module by its magic number', () => {
    expect(isWasmModule(bytesToBase64(EMPTY_MODULE))).toBe(true);
    expect(isWasmModule(bytesToBase64(EMPTY_MODULE.subarray(0, 4)))).toBe(true);
    expect(isWasmModule(bytesToBase64(EMPTY_MODULE.subarray(0, 3)))).toBe(false);
    expect(isWasmModule(textToBase64('\0ASM'))).toBe(false);
  });

  it('keeps the arguments within 64 of up to 1,024 characters', () => {
    expect(splitArgs('a\r\nb\n\nc')).toEqual(['a', 'b', 'c']);
    expect(errorsOf(jsForm({ args: Array(65).fill('x').join('\n') })).args).toBe(
      'At most 64 arguments (one per line); there are 65.',
    );
    expect(errorsOf(jsForm({ args: Array(64).fill('x').join('\n') })).args).toBeUndefined();
    expect(errorsOf(jsForm({ args: `ok\n${'y'.repeat(1025)}` })).args).toBe(
      'Argument 2 is 1,025 characters long: each may be at most 1,024.',
    );
    expect(errorsOf(jsForm({ args: 'y'.repeat(1024) })).args).toBeUndefined();
  });

  it('keeps redundancy within 1–5 and within the providers named', () => {
    const redundancy = (value: string, providers = '') => errorsOf(jsForm({ redundancy: value, providers })).redundancy;
    for (const bad of ['0', '6', '1.5', '', 'two', '-1']) {
      expect(redundancy(bad)).toBe('Enter how many providers run it, a whole number from 1 to 5.');
    }
    expect(redundancy('1')).toBeUndefined();
    expect(redundancy('5')).toBeUndefined();
    expect(redundancy('2', NODE_A)).toBe('2 providers should run it, but only 1 is named.');
    expect(redundancy('2', `${NODE_A}\n${NODE_B}`)).toBeUndefined();
  });

  it('takes full NodeIds only as providers', () => {
    expect(errorsOf(jsForm({ providers: 'hm-aaaa-aaaa' })).providers).toBe(
      '"hm-aaaa-aaaa" is not a NodeId: a NodeId is 52 characters, a–z and 2–7 (the short form hm-… is not enough).',
    );
    expect(errorsOf(jsForm({ providers: `${NODE_A},${NODE_B}` })).providers).toBeUndefined();
    expect(errorsOf(jsForm({ providers: Array(17).fill(NODE_A).join('\n'), redundancy: '1' })).providers).toBe(
      'At most 16 providers; there are 17.',
    );
  });

  it('keeps each limit within JOB_LIMITS', () => {
    const limitErrors = (change: Partial<RunJobForm>) => errorsOf(jsForm(change));
    const cases = [
      ['cpuSeconds', 'Enter the CPU time limit in seconds'],
      ['wallSeconds', 'Enter the wall-clock time limit in seconds'],
      ['memoryMiB', 'Enter the memory limit in MiB'],
      ['outputKiB', 'Enter the output limit in KiB'],
    ] as const;
    for (const [key, start] of cases) {
      const { min, max } = JOB_LIMITS[key];
      const message = `${start}, a whole number from ${min} to ${max.toLocaleString('en-US')}.`;
      for (const bad of [String(min - 1), String(max + 1), '2.5', '', 'ten', '1e3']) {
        expect(limitErrors({ [key]: bad })[key], `${key} = "${bad}"`).toBe(message);
      }
      expect(limitErrors({ [key]: String(min) })).toEqual({});
      expect(limitErrors({ [key]: ` ${max} ` })).toEqual({});
    }
    // As the contract has them now (the node's caps): a typo in a bound shows here.
    expect(limitErrors({ cpuSeconds: '3601' }).cpuSeconds).toBe(
      'Enter the CPU time limit in seconds, a whole number from 1 to 3,600.',
    );
    expect(limitErrors({ memoryMiB: '4097' }).memoryMiB).toBe(
      'Enter the memory limit in MiB, a whole number from 1 to 4,096.',
    );
  });

  it('refuses input over JOB_LIMITS.inputBytes, counted in UTF-8 bytes', () => {
    // 'é' is two bytes: half as many characters as the limit is already too much.
    const input = 'é'.repeat(JOB_LIMITS.inputBytes / 2 + 1);
    const most = formatBytes(JOB_LIMITS.inputBytes);
    expect(errorsOf(jsForm({ input })).input).toBe(`The input is ${most}: it may be at most ${most}.`);
    expect(errorsOf(jsForm({ input: 'é'.repeat(JOB_LIMITS.inputBytes / 2) })).input).toBeUndefined();
  });

  it('reports every bad field at once', () => {
    const parsed = parseRunJobForm(
      form({
        kind: 'js',
        source: '',
        args: Array(65).fill('x').join('\n'),
        providers: 'nope',
        redundancy: '0',
        cpuSeconds: '0',
        wallSeconds: '0',
        memoryMiB: '0',
        outputKiB: '0',
      }),
    );
    expect(parsed.ok ? [] : Object.keys(parsed.errors).sort()).toEqual(
      ['args', 'code', 'cpuSeconds', 'memoryMiB', 'outputKiB', 'providers', 'redundancy', 'wallSeconds'].sort(),
    );
  });
});

describe('the Run a job form: input from a remote memory pool', () => {
  it('starts with text input, and leaves the pool fields out of text jobs', () => {
    expect(DEFAULT_RUN_JOB_FORM).toMatchObject({
      inputSource: 'text',
      inputPool: '',
      inputOffset: '0',
      inputLength: '',
    });
    // Pool fields left as they were do not matter while the input is text: the text is sent.
    const parsed = parseRunJobForm(jsForm({ input: 'abc', inputPool: 'nope', inputOffset: '-1', inputLength: 'x' }));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.request.input).toEqual({ data: textToBase64('abc') });
  });

  it('sends { proxy: { address, offset, length } } for the pool chosen, the text typed left out', () => {
    const parsed = parseRunJobForm(
      poolForm({ input: 'ignored', inputPool: POOL_A.address, inputOffset: ' 1024 ', inputLength: '2048' }),
      POOLS,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.request.input).toEqual({ proxy: { address: POOL_A.address, offset: 1024, length: 2048 } });
    expect(() => validateCall('runJob', [parsed.request])).not.toThrow();
  });

  it('takes a window that ends exactly at the end of the pool, and an empty one', () => {
    const whole = parseRunJobForm(poolForm({ inputOffset: '0', inputLength: '4096' }), POOLS);
    expect(whole.ok && whole.request.input).toEqual({ proxy: { address: POOL_B.address, offset: 0, length: 4096 } });
    const tail = parseRunJobForm(poolForm({ inputOffset: '4000', inputLength: '96' }), POOLS);
    expect(tail.ok && tail.request.input).toEqual({ proxy: { address: POOL_B.address, offset: 4000, length: 96 } });
    const empty = parseRunJobForm(poolForm({ inputOffset: '4096', inputLength: '0' }), POOLS);
    expect(empty.ok && empty.request.input).toEqual({ proxy: { address: POOL_B.address, offset: 4096, length: 0 } });
  });

  it('asks for a pool: none known yet, none used, none chosen, or one no longer used', () => {
    expect(errorsWith(poolForm(), undefined).inputPool).toBe(
      'The memory pools this node uses are not known yet: wait a moment, then try again.',
    );
    // parseRunJobForm without the pools: not known either.
    const parsed = parseRunJobForm(poolForm());
    expect(parsed.ok ? {} : parsed.errors.inputPool).toMatch(/not known yet/);
    expect(errorsWith(poolForm(), []).inputPool).toBe(
      'This node uses no remote memory pools: allocate one on the Memory page first.',
    );
    expect(poolErrorsOf(poolForm({ inputPool: '' })).inputPool).toBe('Choose the memory pool to read the input from.');
    const gone = 'fd48:4d00:0:0:0:0:0:9';
    expect(poolErrorsOf(poolForm({ inputPool: gone })).inputPool).toBe(
      `This node no longer uses the pool ${gone}: choose another.`,
    );
    // Only the pool is wrong here.
    expect(Object.keys(poolErrorsOf(poolForm({ inputPool: '' })))).toEqual(['inputPool']);
  });

  it('takes whole, non-negative offsets and lengths only', () => {
    const offsetError = 'Enter where the input starts in the pool, in bytes: a whole number from 0.';
    for (const inputOffset of ['', '-1', '1.5', '1e3', 'abc', '12345678901'])
      expect(poolErrorsOf(poolForm({ inputOffset })).inputOffset, inputOffset).toBe(offsetError);
    const lengthError = `Enter how many bytes to read, a whole number from 0 to 8,388,608 (${formatBytes(JOB_LIMITS.inputBytes)}).`;
    for (const inputLength of ['', '-1', '2.5', '0x10', ' '])
      expect(poolErrorsOf(poolForm({ inputLength })).inputLength, inputLength).toBe(lengthError);
    expect(poolErrorsOf(poolForm({ inputOffset: '0', inputLength: '0' }))).toEqual({});
  });

  it('keeps the window within the pool: the offset at most its length, offset + length at most its end', () => {
    expect(poolErrorsOf(poolForm({ inputOffset: '4097', inputLength: '0' })).inputOffset).toBe(
      'The offset is past the end of the pool: the pool is 4,096 bytes, so the offset is at most 4,096.',
    );
    // Past the end by one byte: the length is wrong, not the offset.
    const errors = poolErrorsOf(poolForm({ inputOffset: '4000', inputLength: '97' }));
    expect(errors.inputOffset).toBeUndefined();
    expect(errors.inputLength).toBe(
      '97 bytes from offset 4,000 go past the end of the pool (4,096 bytes): at most 96 bytes from there.',
    );
    // The same window fits the bigger pool.
    expect(poolErrorsOf(poolForm({ inputPool: POOL_A.address, inputOffset: '4000', inputLength: '97' }))).toEqual({});
    // With the offset past the end, only the offset is said to be wrong.
    expect(Object.keys(poolErrorsOf(poolForm({ inputOffset: '5000', inputLength: '10' })))).toEqual(['inputOffset']);
  });

  it('reads at most JOB_LIMITS.inputBytes, even from a bigger pool', () => {
    const big: InputPool = { address: 'fd48:4d00:0:0:0:0:0:1', length: 64 * MIB };
    const most = JOB_LIMITS.inputBytes;
    const at = (inputLength: string) =>
      parseRunJobForm(poolForm({ inputPool: big.address, inputOffset: '0', inputLength }), [big]);
    const ok = at(String(most));
    expect(ok.ok && ok.request.input).toEqual({ proxy: { address: big.address, offset: 0, length: most } });
    const over = at(String(most + 1));
    expect(over.ok ? {} : over.errors).toEqual({
      inputLength: `Enter how many bytes to read, a whole number from 0 to 8,388,608 (${formatBytes(most)}).`,
    });
  });

  it('reports bad pool fields with the others, in the order the page focuses them', () => {
    const parsed = parseRunJobForm(
      poolForm({ source: '', inputPool: '', inputOffset: 'x', inputLength: '-2', redundancy: '0' }),
      POOLS,
    );
    expect(parsed.ok ? [] : RUN_JOB_FIELDS.filter((k) => k in parsed.errors)).toEqual([
      'code',
      'inputPool',
      'inputOffset',
      'inputLength',
      'redundancy',
    ]);
    expect(RUN_JOB_FIELDS.indexOf('inputPool')).toBe(RUN_JOB_FIELDS.indexOf('input') + 1);
  });

  it('names a pool by its address and size, and counts bytes in full', () => {
    expect(poolOptionText(POOL_A)).toBe('fd48:4d00:1:2:3:4:5:6 (64 KiB)');
    expect(poolOptionText({ address: 'fd48:4d00:0:0:0:0:0:1', length: 4096 })).toBe('fd48:4d00:0:0:0:0:0:1 (4 KiB)');
    expect(formatByteCount(1)).toBe('1 byte');
    expect(formatByteCount(0)).toBe('0 bytes');
    expect(formatByteCount(8_388_608)).toBe('8,388,608 bytes');
  });
});

describe('the jobs slice of the store', () => {
  function fakeApi(methods: Partial<NodeApi>): NodeApi {
    return new Proxy(methods, {
      get: (target, name: string) =>
        (target as Record<string, unknown>)[name] ?? (() => Promise.reject(new Error(`${name} not stubbed`))),
    }) as NodeApi;
  }

  const mine = job({ jobId: 'mine', role: 'consumer' });
  const theirs = job({ jobId: 'theirs', role: 'provider', consumer: NODE_A, proof: 'made' });

  it('lists both roles, and keeps the last known lists when the node answers with an error', async () => {
    const asked: JobQuery[] = [];
    let fail = false;
    const store = createAppStore(
      fakeApi({
        getJobs: async (query) => {
          asked.push(query);
          if (fail) throw new RemoteError({ code: ErrorCode.Internal, message: 'database busy' });
          return query.role === 'provider' ? [theirs] : [mine];
        },
      }),
    );
    await store.getState().refreshJobs();
    expect(store.getState().jobs).toEqual({ consumer: [mine], provider: [theirs] });
    expect(asked.map((q) => q.role).sort()).toEqual(['consumer', 'provider']);
    fail = true;
    await store.getState().refreshJobs();
    expect(store.getState().jobs).toEqual({ consumer: [mine], provider: [theirs] });
    expect(store.getState().jobsError).toMatchObject({ code: ErrorCode.Internal, message: 'database busy' });
    expect(store.getState().connection).not.toBe('offline');
    fail = false;
    await store.getState().refreshJobs();
    expect(store.getState().jobsError).toBeUndefined();
  });

  it('resolves runJob with the result (then lists the jobs again) or the node’s error with its code', async () => {
    let listed = 0;
    const result: JobResultView = { job: mine, output: textToBase64('hi') };
    let refuse = false;
    const store = createAppStore(
      fakeApi({
        getJobs: async () => {
          listed++;
          return [];
        },
        runJob: async () => {
          if (refuse) {
            throw new RemoteError({
              code: ErrorCode.JobFailed,
              message: 'the job used more than 300 ms of CPU time',
              reason: 'cpu-limit',
            });
          }
          return result;
        },
      }),
    );
    const request: RunJobRequest = { kind: 'js', code: textToBase64('1') };
    expect(await store.getState().runJob(request)).toEqual({ ok: true, value: result });
    expect(listed).toBe(2); // both roles
    refuse = true;
    expect(await store.getState().runJob(request)).toEqual({
      ok: false,
      error: {
        code: ErrorCode.JobFailed,
        message: 'the job used more than 300 ms of CPU time',
        reason: 'cpu-limit',
        issues: [],
      },
    });
  });
});
