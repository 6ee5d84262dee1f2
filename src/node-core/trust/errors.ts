import { ErrorCode, HyperMeshError } from '../../shared/errors';
import { TrustError } from '../crypto';

/** Defined in crypto/ (its Merkle and signature helpers throw it); trust code keeps importing it from here. */
export { TrustError };

/**
 * A log (CA) signed two tree heads that cannot both be true: same size with different roots, or no valid
 * consistency proof between them. Carries both heads as evidence.
 */
export class SplitViewError extends HyperMeshError {
  constructor(
    message: string,
    readonly evidence: readonly unknown[],
  ) {
    super(ErrorCode.SplitView, message);
  }
}

/** The CA would not register a name for this node: a per-node limit (NAME_LIMIT) or the rate limit (NAME_RATE_LIMITED). */
export class NameRefusedError extends HyperMeshError {
  constructor(code: typeof ErrorCode.NameLimit | typeof ErrorCode.NameRateLimited, message: string) {
    super(code, message);
  }
}

export function isNameRefusalCode(
  code: unknown,
): code is typeof ErrorCode.NameLimit | typeof ErrorCode.NameRateLimited {
  return code === ErrorCode.NameLimit || code === ErrorCode.NameRateLimited;
}

/** Codes a CA's refusal may carry as data in a reply ({refused: {code, message, retryAfterMs}}). */
export type CaRefusalCode =
  | typeof ErrorCode.AlreadyCertified
  | typeof ErrorCode.CaRateLimited
  | typeof ErrorCode.NameLimit
  | typeof ErrorCode.NameRateLimited;

const CA_REFUSAL_CODES: ReadonlySet<string> = new Set<CaRefusalCode>([
  ErrorCode.AlreadyCertified,
  ErrorCode.CaRateLimited,
  ErrorCode.NameLimit,
  ErrorCode.NameRateLimited,
]);

/**
 * A CA refused a request by policy (rate limit, already certified). The reason is the code; `retryAfterMs` says when
 * asking again may succeed (null: not by waiting). Over STOQ it travels as data, so the caller gets both back.
 */
export class CaRefusedError extends HyperMeshError {
  constructor(
    code: CaRefusalCode,
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(code, message);
  }

  override toBody() {
    return this.retryAfterMs === null
      ? super.toBody()
      : { ...super.toBody(), details: { retryAfterMs: this.retryAfterMs } };
  }

  toJson(): { code: string; message: string; retryAfterMs: number | null } {
    return { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }
}

/** A reply `{refused: {code, message, retryAfterMs?}}` from a CA, thrown with its stable code; other replies pass. */
export function throwIfRefused(reply: Record<string, unknown>): void {
  const refused = reply.refused;
  if (typeof refused !== 'object' || refused === null) return;
  const { code, message, retryAfterMs } = refused as Record<string, unknown>;
  if (typeof code !== 'string' || !CA_REFUSAL_CODES.has(code))
    throw new TrustError('the CA refused the request for a reason this node does not know');
  const text = typeof message === 'string' ? message.slice(0, 500) : 'the CA refused the request';
  if (code === ErrorCode.NameLimit || code === ErrorCode.NameRateLimited) throw new NameRefusedError(code, text);
  const retry =
    typeof retryAfterMs === 'number' && Number.isSafeInteger(retryAfterMs) && retryAfterMs >= 0 ? retryAfterMs : null;
  throw new CaRefusedError(code as CaRefusalCode, text, retry);
}

/** CA_ALREADY_CERTIFIED, with the certificate the NodeId holds (public anyway: it is in the log). */
export class AlreadyCertifiedError extends CaRefusedError {
  constructor(
    message: string,
    retryAfterMs: number,
    readonly current: { certificate: Uint8Array; chain: Uint8Array[] },
  ) {
    super(ErrorCode.AlreadyCertified, message, retryAfterMs);
  }
}
