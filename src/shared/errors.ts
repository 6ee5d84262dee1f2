/**
 * Stable error codes shared by the node, the CLI and the UI. A code never changes meaning once released;
 * the UI and scripts may switch on it.
 */
export const ErrorCode = {
  InvalidArgument: 'INVALID_ARGUMENT',
  UnknownMethod: 'UNKNOWN_METHOD',
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  ForbiddenOrigin: 'FORBIDDEN_ORIGIN',
  NotFound: 'NOT_FOUND',
  Internal: 'INTERNAL',
  NodeNotRunning: 'NODE_NOT_RUNNING',
  /** A node runs on the data dir but gave no answer: `reason` is 'timeout' (none in time) or 'connection' (it broke). */
  NodeNoAnswer: 'NODE_NO_ANSWER',
  NodeStopped: 'NODE_STOPPED',
  DataDirLocked: 'DATA_DIR_LOCKED',
  DataDirUnwritable: 'DATA_DIR_UNWRITABLE',
  PortInUse: 'PORT_IN_USE',
  SchemaTooNew: 'SCHEMA_TOO_NEW',
  /** The database is damaged, empty or unreadable; the message says how to restore a backup (hypermesh db restore). */
  StoreCorrupt: 'STORE_CORRUPT',
  /** The database (or a backup given to restore) is missing where one was; the message says how to restore. */
  StoreMissing: 'STORE_MISSING',
  IdentityCorrupt: 'IDENTITY_CORRUPT',
  /** identity.json is gone but the database of a node is there: restore the identity or move the database away. */
  IdentityMissing: 'IDENTITY_MISSING',
  /** No build of a native module (better-sqlite3) for this runtime's ABI yet; the message says what to run. */
  NativeBuildMissing: 'NATIVE_BUILD_MISSING',
  /** A native module was built for another runtime (NODE_MODULE_VERSION, platform or arch); the message says what to run. */
  NativeAbiMismatch: 'NATIVE_ABI_MISMATCH',
  Transport: 'TRANSPORT',
  Trust: 'TRUST',
  SplitView: 'TRUST_SPLIT_VIEW',
  /** The ledger is not running or not in sync yet. */
  LedgerUnavailable: 'LEDGER_UNAVAILABLE',
  InsufficientBalance: 'INSUFFICIENT_BALANCE',
  UnknownRecipient: 'UNKNOWN_RECIPIENT',
  /** No peer (and no block producer) is reachable to carry a transaction. */
  PeerOffline: 'PEER_OFFLINE',
  /** A transaction or block broke a ledger rule (signature, nonce, balance, proof); the message says which. */
  LedgerRejected: 'LEDGER_REJECTED',
  StakeLocked: 'STAKE_LOCKED',
  /** A memory-proxy access was refused (bounds, permission, freed, expired, revoked, unknown address): `reason` names which (PROXY_FAILURES). */
  ProxyRefused: 'PROXY_REFUSED',
  /** A Catalog VM job was refused, hit a limit, or gave no accepted result; `reason` names why (JOB_FAILURE_REASONS). */
  JobFailed: 'JOB_FAILED',
  /** A requestId already used for a different request (another amount, recipient or call); nothing was done. */
  IdempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  /**
   * An allocation asks for more than the owner's share allows now (its slider, or for memory the sharing rules'
   * allowance), or a store past a lease's or the share's quota; nothing was granted or written.
   */
  OverQuota: 'OVER_QUOTA',
  /** The CA refused a name: this node already holds as many names as one node may (docs/trust.md); release one. */
  NameLimit: 'NAME_LIMIT',
  /** The CA refused a name: this node registered too many names too quickly; the message says when to retry. */
  NameRateLimited: 'NAME_RATE_LIMITED',
  /**
   * The CA issues no new certificate: this node holds a valid one that is not due for renewal yet. `retryAfterMs`
   * (in the error details) says when renewal opens; the CA hands back the certificate it holds.
   */
  AlreadyCertified: 'CA_ALREADY_CERTIFIED',
  /** A CA refused a request: this peer asked too often (issuance, co-signing, names); see `retryAfterMs`. */
  CaRateLimited: 'CA_RATE_LIMITED',
  /** getReceiptTrail: no job or lease with that id is known to this node. */
  ActivityNotFound: 'ACTIVITY_NOT_FOUND',
  /** The capacity benchmark may not start now; `reason` names why (BENCHMARK_REFUSALS in src/shared/benchmark.ts). */
  BenchmarkRefused: 'BENCHMARK_REFUSED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

/** One problem found while validating input; `path` names the field, e.g. `allocation.cpu`. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** The error body carried in a failed reply envelope. JSON-safe. */
export interface ApiErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  /**
   * Why, within the code, as data (never parse the message): a JobFailureReason (src/shared/vm.ts) with JOB_FAILED, a
   * ProxyFailure (src/shared/proxy.ts) with PROXY_REFUSED.
   */
  readonly reason?: string;
  /** `issues` lists at most {@link MAX_LISTED_ISSUES}; `omitted` counts the rest. */
  readonly details?: {
    readonly issues?: readonly ValidationIssue[];
    readonly omitted?: number;
    /** When a refused request may be tried again (rate limits, renewal not open yet), in milliseconds from now. */
    readonly retryAfterMs?: number;
  };
}

/** Base class for errors that carry a stable code across process and IPC boundaries. */
export class HyperMeshError extends Error {
  readonly code: ErrorCode;
  /** Why, within the code (see ApiErrorBody.reason); undefined when the code says it all. */
  readonly reason: string | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; reason?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = options?.reason;
    this.name = new.target.name;
  }

  toBody(): ApiErrorBody {
    return this.reason === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, reason: this.reason };
  }
}

/** How many problems one error lists: a request with 100,000 bad keys must not get a reply 30 times its size. */
export const MAX_LISTED_ISSUES = 20;

/** Input that does not fit: every issue is listed (up to {@link MAX_LISTED_ISSUES}), not just the first. */
export class ValidationError extends HyperMeshError {
  readonly issues: readonly ValidationIssue[];
  /** Issues found beyond the listed ones. */
  readonly omitted: number;
  constructor(issues: readonly ValidationIssue[]) {
    const listed = issues.slice(0, MAX_LISTED_ISSUES);
    const omitted = issues.length - listed.length;
    const text = listed.map((i) => i.message).join('; ') || 'invalid input';
    super(ErrorCode.InvalidArgument, omitted > 0 ? `${text}; and ${omitted} more` : text);
    this.issues = listed;
    this.omitted = omitted;
  }

  override toBody(): ApiErrorBody {
    const details = this.omitted > 0 ? { issues: this.issues, omitted: this.omitted } : { issues: this.issues };
    return { code: this.code, message: this.message, details };
  }
}

/** Error rebuilt on the calling side from a reply envelope. */
export class RemoteError extends HyperMeshError {
  readonly details: ApiErrorBody['details'];
  constructor(body: ApiErrorBody) {
    super(body.code, body.message, body.reason === undefined ? undefined : { reason: body.reason });
    this.details = body.details;
  }
}
