/**
 * Argument checkers for the API methods, one per argument shape; the contract's NODE_API_ARGS table picks one per
 * method. Each takes the untrusted argument list and returns it typed, or throws a ValidationError listing every
 * issue.
 */
import { ValidationError } from '../errors';
import { RESOURCE_KINDS, parseServiceAddress, validateSettingsPatch } from '../settings';
import type { AssetSearchQuery, RemoteAllocationRequest } from '../mesh';
import {
  IssueList,
  checkBoolean,
  checkInteger,
  checkKnownKeys,
  checkObject,
  checkOneOf,
  describeValue,
  isPlainObject,
} from '../validate';
import type { FederationDocumentJson } from '../trust';
import { PROXY_API_MAX_BYTES, type RemoteMemoryRequest } from '../proxy';
import { AmountError, parseAmount } from '../amount';
import { JOB_KINDS, JOB_LIMITS, type JobQuery, type RunJobRequest } from '../vm';
import {
  LEDGER_TX_KINDS,
  MEMO_MAX_LENGTH,
  NODE_ID_PATTERN,
  type SendRequest,
  type StakeRequest,
  type WalletHistoryQuery,
} from '../ledger';
import { PAUSE_SECONDS_RANGE, type PauseRequest } from '../sharing-view';
import type { SettingsPatch } from '../settings';
import type { LogLevel, LogQuery } from './contract';
import { ACTIVITY_DIRECTIONS, ACTIVITY_KINDS, ACTIVITY_LIMIT, ACTIVITY_STATES, type ActivityQuery } from '../activity';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function noArgs(args: readonly unknown[]): [] {
  if (args.length !== 0) {
    throw new ValidationError([{ path: 'args', message: `expected no arguments, got ${args.length}` }]);
  }
  return [];
}

export function oneArg(args: readonly unknown[]): unknown {
  if (args.length !== 1) {
    throw new ValidationError([{ path: 'args', message: `expected 1 argument, got ${args.length}` }]);
  }
  return args[0];
}

export function objectArg(
  args: readonly unknown[],
  path: string,
  issues: IssueList,
): Record<string, unknown> | undefined {
  const value = checkObject(issues, path, oneArg(args));
  issues.throwIfAny();
  return value;
}

/**
 * The one argument, an object (`path` in messages) with no key but `keys`, which `check` checks further: returned
 * typed, or every issue found thrown at once.
 */
function checkedObjectArg<T>(
  args: readonly unknown[],
  path: string,
  keys: readonly string[],
  check: (issues: IssueList, value: Record<string, unknown>) => void,
): [T] {
  const issues = new IssueList();
  const value = objectArg(args, path, issues) ?? {};
  checkKnownKeys(issues, path, value, keys);
  check(issues, value);
  issues.throwIfAny();
  return [value as unknown as T];
}

/** Checks one field (at `path` in messages) of an argument object. */
type FieldCheck = (issues: IssueList, path: string, value: unknown) => void;

const oneOf =
  (allowed: readonly string[]): FieldCheck =>
  (issues, path, value) => {
    checkOneOf(issues, path, value, allowed);
  };

const integer =
  (min: number, max: number): FieldCheck =>
  (issues, path, value) => {
    checkInteger(issues, path, value, min, max);
  };

const boolean: FieldCheck = (issues, path, value) => {
  checkBoolean(issues, path, value);
};

/** A field `ok` accepts, else the issue `path must be <what>, got <value>`. */
const matching =
  (ok: (value: unknown) => boolean, what: string): FieldCheck =>
  (issues, path, value) => {
    if (!ok(value)) issues.add(path, `${path} must be ${what}, got ${describeValue(value)}`);
  };

/**
 * The one argument, a query: an object whose fields are all optional. Each field present is checked by its entry
 * in `fields` (in that order); a key not in `fields` is refused.
 */
function queryArg<T>(args: readonly unknown[], fields: Readonly<Record<string, FieldCheck>>): [T] {
  return checkedObjectArg<T>(args, 'query', Object.keys(fields), (issues, query) => {
    for (const [key, check] of Object.entries(fields)) {
      if (query[key] !== undefined) check(issues, `query.${key}`, query[key]);
    }
  });
}

/** Shape only; the node checks every field and signature (docs/trust.md). */
export function federationDocumentArg(args: readonly unknown[]): FederationDocumentJson {
  const doc = oneArg(args);
  if (!isPlainObject(doc) || doc.version !== 1 || !Array.isArray(doc.members) || !Array.isArray(doc.signatures)) {
    throw new ValidationError([
      { path: 'document', message: `document must be a federation document (version 1), got ${describeValue(doc)}` },
    ]);
  }
  return doc as unknown as FederationDocumentJson;
}

export function checkNameArg(args: readonly unknown[]): [string] {
  const name = oneArg(args);
  if (typeof name !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) {
    throw new ValidationError([
      {
        path: 'name',
        message: `name must be 1–63 lowercase letters, digits and inner hyphens, got ${describeValue(name)}`,
      },
    ]);
  }
  return [name];
}

const PRICE = /^(0|[1-9]\d{0,11})(\.\d{1,8})?$/;

export function searchQueryArg(args: readonly unknown[]): [AssetSearchQuery] {
  return queryArg<AssetSearchQuery>(args, {
    kind: oneOf(RESOURCE_KINDS),
    minCapacity: integer(0, Number.MAX_SAFE_INTEGER),
    maxPricePerHour: matching((v) => typeof v === 'string' && PRICE.test(v), 'a decimal string such as "0.5"'),
    maxLatencyMs: integer(0, 600_000),
    requireAllProofs: boolean,
  });
}

export function allocationArg(args: readonly unknown[]): [RemoteAllocationRequest] {
  return checkedObjectArg<RemoteAllocationRequest>(
    args,
    'request',
    ['assetId', 'amount', 'durationMs'],
    (issues, request) => {
      if (typeof request.assetId !== 'string' || !/^hma1-[a-z0-9-]{10,200}$/.test(request.assetId)) {
        issues.add(
          'request.assetId',
          `request.assetId must be an AssetId (hma1-…), got ${describeValue(request.assetId)}`,
        );
      }
      checkInteger(issues, 'request.amount', request.amount, 1, Number.MAX_SAFE_INTEGER);
      checkInteger(issues, 'request.durationMs', request.durationMs, 1_000, 30 * 24 * 3_600_000);
    },
  );
}

const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkRequestId(issues: IssueList, path: string, value: unknown): void {
  if (typeof value !== 'string' || !REQUEST_ID.test(value))
    issues.add(path, `${path} must be 8–64 letters, digits, - or _, got ${describeValue(value)}`);
}

/** A positive amount of Caesar as a decimal string. */
function checkPositiveAmount(issues: IssueList, path: string, value: unknown): void {
  try {
    if (parseAmount(value) <= 0n) issues.add(path, `${path} must be more than 0`);
  } catch (err) {
    issues.add(path, err instanceof AmountError ? `${path}: ${err.message}` : `${path} is not an amount`);
  }
}

export function sendArg(args: readonly unknown[]): [SendRequest] {
  return checkedObjectArg<SendRequest>(args, 'request', ['to', 'amount', 'memo', 'requestId'], (issues, request) => {
    const to = request.to;
    if (typeof to !== 'string' || !(NODE_ID_PATTERN.test(to) || NAME.test(to)))
      issues.add(
        'request.to',
        `request.to must be a NodeId (52 characters a–z, 2–7) or a name, got ${describeValue(to)}`,
      );
    checkPositiveAmount(issues, 'request.amount', request.amount);
    if (request.memo !== undefined && (typeof request.memo !== 'string' || request.memo.length > MEMO_MAX_LENGTH))
      issues.add('request.memo', `request.memo must be text of at most ${MEMO_MAX_LENGTH} characters`);
    checkRequestId(issues, 'request.requestId', request.requestId);
  });
}

export function stakeArg(args: readonly unknown[]): [StakeRequest] {
  return checkedObjectArg<StakeRequest>(args, 'request', ['amount', 'lockDays', 'requestId'], (issues, request) => {
    checkPositiveAmount(issues, 'request.amount', request.amount);
    checkInteger(issues, 'request.lockDays', request.lockDays, 2, 365);
    checkRequestId(issues, 'request.requestId', request.requestId);
  });
}

export function historyArg(args: readonly unknown[]): [WalletHistoryQuery] {
  return queryArg<WalletHistoryQuery>(args, {
    kind: oneOf(LEDGER_TX_KINDS),
    direction: oneOf(['in', 'out', 'none']),
    status: oneOf(['pending', 'confirmed', 'rejected']),
    limit: integer(1, 1000),
  });
}

const PROXY_ADDRESS = /^fd48:4d00(:[0-9a-fA-F]{1,4}){6}$/;

export function proxyAddress(issues: IssueList, value: unknown): string {
  if (typeof value !== 'string' || !PROXY_ADDRESS.test(value))
    issues.add('address', `address must be a proxy address (fd48:4d00:…, 8 groups), got ${describeValue(value)}`);
  return value as string;
}

export function addressArg(args: readonly unknown[]): [string] {
  const issues = new IssueList();
  const address = proxyAddress(issues, oneArg(args));
  issues.throwIfAny();
  return [address];
}

export function remoteMemoryArg(args: readonly unknown[]): [RemoteMemoryRequest] {
  return checkedObjectArg<RemoteMemoryRequest>(
    args,
    'request',
    ['bytes', 'durationMs', 'providers', 'replicas', 'anonymous'],
    (issues, request) => {
      if (request.anonymous !== undefined) checkBoolean(issues, 'request.anonymous', request.anonymous);
      checkInteger(issues, 'request.bytes', request.bytes, 4096, 1024 ** 3);
      if (typeof request.bytes === 'number' && request.bytes % 4096 !== 0)
        issues.add('request.bytes', 'request.bytes must be a multiple of 4096');
      checkInteger(issues, 'request.durationMs', request.durationMs, 1_000, 30 * 24 * 3_600_000);
      if (request.providers !== undefined) checkInteger(issues, 'request.providers', request.providers, 1, 16);
      if (request.replicas !== undefined) checkInteger(issues, 'request.replicas', request.replicas, 1, 16);
    },
  );
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64Of(issues: IssueList, path: string, value: unknown, maxBytes: number, minBytes = 0): void {
  if (typeof value !== 'string' || !BASE64.test(value) || value.length % 4 !== 0) {
    issues.add(path, `${path} must be base64, got ${describeValue(value)}`);
  } else if (value.length > Math.ceil(maxBytes / 3) * 4) {
    issues.add(path, `${path} must be at most ${maxBytes} bytes`);
  } else if (value.length < Math.ceil(minBytes / 3) * 4) {
    issues.add(path, `${path} must not be empty`);
  }
}

export function runJobArg(args: readonly unknown[]): [RunJobRequest] {
  return checkedObjectArg<RunJobRequest>(
    args,
    'request',
    ['kind', 'code', 'input', 'args', 'redundancy', 'limits', 'providers'],
    (issues, request) => {
      checkOneOf(issues, 'request.kind', request.kind, JOB_KINDS);
      base64Of(issues, 'request.code', request.code, JOB_LIMITS.codeBytes, 1);
      const input = request.input;
      if (input !== undefined) {
        if (!isPlainObject(input)) issues.add('request.input', 'request.input must be { data } or { proxy }');
        else if ('data' in input) {
          checkKnownKeys(issues, 'request.input', input, ['data']);
          base64Of(issues, 'request.input.data', input.data, JOB_LIMITS.inputBytes);
        } else if ('proxy' in input && isPlainObject(input.proxy)) {
          checkKnownKeys(issues, 'request.input', input, ['proxy']);
          checkKnownKeys(issues, 'request.input.proxy', input.proxy, ['address', 'offset', 'length']);
          const proxy = input.proxy;
          if (typeof proxy.address !== 'string' || !PROXY_ADDRESS.test(proxy.address))
            issues.add('request.input.proxy.address', 'request.input.proxy.address must be a proxy address');
          checkInteger(issues, 'request.input.proxy.offset', proxy.offset, 0, 1024 ** 3);
          checkInteger(issues, 'request.input.proxy.length', proxy.length, 0, JOB_LIMITS.inputBytes);
        } else issues.add('request.input', 'request.input must be { data } or { proxy }');
      }
      if (request.args !== undefined) {
        if (!Array.isArray(request.args) || request.args.length > JOB_LIMITS.args)
          issues.add('request.args', `request.args must be a list of at most ${JOB_LIMITS.args} strings`);
        else
          request.args.forEach((a: unknown, i) => {
            if (typeof a !== 'string' || a.length > JOB_LIMITS.argLength || a.includes('\0'))
              issues.add(
                `request.args.${i}`,
                `each argument must be a string of at most ${JOB_LIMITS.argLength} characters`,
              );
          });
      }
      if (request.redundancy !== undefined)
        checkInteger(
          issues,
          'request.redundancy',
          request.redundancy,
          JOB_LIMITS.redundancy.min,
          JOB_LIMITS.redundancy.max,
        );
      if (request.limits !== undefined) {
        if (!isPlainObject(request.limits)) issues.add('request.limits', 'request.limits must be an object');
        else {
          const limits = request.limits;
          checkKnownKeys(issues, 'request.limits', limits, ['cpuSeconds', 'wallSeconds', 'memoryMiB', 'outputKiB']);
          for (const key of ['cpuSeconds', 'wallSeconds', 'memoryMiB', 'outputKiB'] as const) {
            if (limits[key] !== undefined)
              checkInteger(issues, `request.limits.${key}`, limits[key], JOB_LIMITS[key].min, JOB_LIMITS[key].max);
          }
        }
      }
      if (request.providers !== undefined) {
        if (
          !Array.isArray(request.providers) ||
          request.providers.length === 0 ||
          request.providers.length > 16 ||
          !request.providers.every((p: unknown) => typeof p === 'string' && NODE_ID_PATTERN.test(p))
        )
          issues.add('request.providers', 'request.providers must be 1–16 NodeIds');
      }
    },
  );
}

export function jobQueryArg(args: readonly unknown[]): [JobQuery] {
  return queryArg<JobQuery>(args, { role: oneOf(['consumer', 'provider']), limit: integer(1, 1000) });
}

export function pauseRequestArg(args: readonly unknown[]): [PauseRequest] {
  const issues = new IssueList();
  const request = objectArg(args, 'request', issues);
  if (request) {
    const kind = request.for;
    if (checkOneOf(issues, 'request.for', kind, ['seconds', 'tomorrow', 'until-resumed'])) {
      checkKnownKeys(issues, 'request', request, kind === 'seconds' ? ['for', 'seconds'] : ['for']);
      if (kind === 'seconds') {
        const r = PAUSE_SECONDS_RANGE;
        checkInteger(issues, 'request.seconds', request.seconds, r.min, r.max);
      }
    }
  }
  issues.throwIfAny();
  return [request as unknown as PauseRequest];
}

export function connectAddressArg(args: readonly unknown[]): [string] {
  const address = oneArg(args);
  if (typeof address !== 'string' || parseServiceAddress(address) === null) {
    throw new ValidationError([
      {
        path: 'address',
        message: `address must be HOST:PORT (a name, an IPv4 address or [IPv6]), got ${describeValue(address)}`,
      },
    ]);
  }
  return [address];
}

/** A pool address, an offset and the third argument a write (base64 data) or a read (a length) takes. */
function poolAccessArgs(args: readonly unknown[], third: string, issues: IssueList): unknown {
  if (args.length !== 3) issues.add('args', `expected 3 arguments (address, offset, ${third}), got ${args.length}`);
  const [address, offset, value] = args;
  proxyAddress(issues, address);
  checkInteger(issues, 'offset', offset, 0, 1024 ** 3);
  return value;
}

export function writeMemoryArgs(args: readonly unknown[]): [string, number, string] {
  const issues = new IssueList();
  const data = poolAccessArgs(args, 'data', issues);
  if (typeof data !== 'string' || data.length > Math.ceil(PROXY_API_MAX_BYTES / 3) * 4 || !BASE64.test(data))
    issues.add('data', `data must be base64 of at most ${PROXY_API_MAX_BYTES} bytes`);
  issues.throwIfAny();
  return args as [string, number, string];
}

export function readMemoryArgs(args: readonly unknown[]): [string, number, number] {
  const issues = new IssueList();
  checkInteger(issues, 'length', poolAccessArgs(args, 'length', issues), 0, PROXY_API_MAX_BYTES);
  issues.throwIfAny();
  return args as [string, number, number];
}

export function daysArg(args: readonly unknown[]): [number] {
  const issues = new IssueList();
  const days = oneArg(args);
  checkInteger(issues, 'days', days, 1, 90);
  issues.throwIfAny();
  return [days as number];
}

export function requestIdArg(args: readonly unknown[]): [string] {
  const issues = new IssueList();
  checkRequestId(issues, 'requestId', oneArg(args));
  issues.throwIfAny();
  return [args[0] as string];
}

export function revokeArgs(args: readonly unknown[]): [string, string] {
  const issues = new IssueList();
  if (args.length !== 2) issues.add('args', `expected 2 arguments (serial, reason), got ${args.length}`);
  const [serial, reason] = args;
  if (typeof serial !== 'string' || !/^[0-9a-fA-F]{1,64}$/.test(serial))
    issues.add('serial', `serial must be hexadecimal, got ${describeValue(serial)}`);
  if (typeof reason !== 'string' || reason.length > 200)
    issues.add('reason', `reason must be text of at most 200 characters, got ${describeValue(reason)}`);
  issues.throwIfAny();
  return [serial as string, reason as string];
}

export function settingsPatchArg(args: readonly unknown[]): [SettingsPatch] {
  return [validateSettingsPatch(oneArg(args))];
}

export function logQueryArg(args: readonly unknown[]): [LogQuery] {
  return queryArg<LogQuery>(args, {
    text: matching((v) => typeof v === 'string' && v.length <= 200, 'text of at most 200 characters'),
    minLevel: oneOf(LOG_LEVELS),
    limit: integer(1, 5000),
  });
}

export function activityQueryArg(args: readonly unknown[]): [ActivityQuery] {
  return queryArg<ActivityQuery>(args, {
    direction: oneOf(ACTIVITY_DIRECTIONS),
    kind: oneOf(ACTIVITY_KINDS),
    state: oneOf(ACTIVITY_STATES),
    since: matching((v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'an ISO time'),
    limit: integer(ACTIVITY_LIMIT.min, ACTIVITY_LIMIT.max),
  });
}

/** `job:<id>` or `lease:<id>` (ids are letters, digits, '-' and '_'; 1–128 characters). */
export function activityIdArg(args: readonly unknown[]): [string] {
  const id = oneArg(args);
  if (typeof id !== 'string' || !/^(job|lease):[A-Za-z0-9_-]{1,128}$/.test(id)) {
    throw new ValidationError([{ path: 'id', message: `id must be job:<id> or lease:<id>, got ${describeValue(id)}` }]);
  }
  return [id];
}
