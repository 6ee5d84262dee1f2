import { ErrorCode, HyperMeshError, ValidationError } from '../errors';
import { parseServiceAddress, validateSettingsPatch } from '../settings';
import { IssueList, checkInteger, checkKnownKeys, checkOneOf, describeValue, isPlainObject } from '../validate';
import type { FederationDocumentJson } from '../trust';
import { isNodeApiMethod, type ApiArgs, type LogLevel, type NodeApiMethod } from './contract';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

function noArgs(args: readonly unknown[]): [] {
  if (args.length !== 0) {
    throw new ValidationError([{ path: 'args', message: `expected no arguments, got ${args.length}` }]);
  }
  return [];
}

function oneArg(args: readonly unknown[]): unknown {
  if (args.length !== 1) {
    throw new ValidationError([{ path: 'args', message: `expected 1 argument, got ${args.length}` }]);
  }
  return args[0];
}

/** Shape only; the node checks every field and signature (docs/trust.md). */
function federationDocumentArg(args: readonly unknown[]): FederationDocumentJson {
  const doc = oneArg(args);
  if (!isPlainObject(doc) || doc.version !== 1 || !Array.isArray(doc.members) || !Array.isArray(doc.signatures)) {
    throw new ValidationError([
      { path: 'document', message: `document must be a federation document (version 1), got ${describeValue(doc)}` },
    ]);
  }
  return doc as unknown as FederationDocumentJson;
}

function checkNameArg(args: readonly unknown[]): [string] {
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

const VALIDATORS: { readonly [M in NodeApiMethod]: (args: readonly unknown[]) => ApiArgs<M> } = {
  getStatus: noArgs,
  getSettings: noArgs,
  getHardware: noArgs,
  getUsage: noArgs,
  getNetworkStats: noArgs,
  getTrustStatus: noArgs,
  getAssets: noArgs,
  connectPeer: (args) => {
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
  },
  resolveName: (args) => checkNameArg(args),
  registerName: (args) => checkNameArg(args),
  federationMember: noArgs,
  signFederation: (args) => [federationDocumentArg(args)],
  adoptFederation: (args) => [federationDocumentArg(args)],
  revokeCertificate: (args) => {
    const issues = new IssueList();
    if (args.length !== 2) issues.add('args', `expected 2 arguments (serial, reason), got ${args.length}`);
    const [serial, reason] = args;
    if (typeof serial !== 'string' || !/^[0-9a-fA-F]{1,64}$/.test(serial))
      issues.add('serial', `serial must be hexadecimal, got ${describeValue(serial)}`);
    if (typeof reason !== 'string' || reason.length > 200)
      issues.add('reason', `reason must be text of at most 200 characters, got ${describeValue(reason)}`);
    issues.throwIfAny();
    return [serial as string, reason as string];
  },
  updateSettings: (args) => [validateSettingsPatch(oneArg(args))],
  getLogs: (args) => {
    const query = oneArg(args);
    const issues = new IssueList();
    if (!isPlainObject(query)) {
      issues.add('query', `query must be an object, got ${describeValue(query)}`);
      issues.throwIfAny();
      return [{}];
    }
    checkKnownKeys(issues, 'query', query, ['text', 'minLevel', 'limit']);
    if (query.text !== undefined && (typeof query.text !== 'string' || query.text.length > 200)) {
      issues.add('query.text', `query.text must be text of at most 200 characters, got ${describeValue(query.text)}`);
    }
    if (query.minLevel !== undefined) checkOneOf(issues, 'query.minLevel', query.minLevel, LOG_LEVELS);
    if (query.limit !== undefined) checkInteger(issues, 'query.limit', query.limit, 1, 5000);
    issues.throwIfAny();
    return [query];
  },
};

/** Checks a call from an untrusted caller (any UI is one) and returns its arguments typed for the method. */
export function validateCall(method: unknown, args: unknown): { method: NodeApiMethod; args: readonly unknown[] } {
  if (!isNodeApiMethod(method)) {
    throw new HyperMeshError(ErrorCode.UnknownMethod, `unknown API method ${describeValue(method)}`);
  }
  if (!Array.isArray(args)) {
    throw new ValidationError([{ path: 'args', message: `args must be a list, got ${describeValue(args)}` }]);
  }
  return { method, args: VALIDATORS[method](args) };
}
