import { ErrorCode } from '../../shared/errors';
import { handleJson, ignoreReply } from '../transport/index';
import type { CallContext, StoqRouter } from '../transport/index';
import type { CaService } from './ca-service';
import { AlreadyCertifiedError, CaRefusedError, NameRefusedError, TrustError } from './errors';
import {
  TrustMethod,
  b64,
  encodeJson,
  headToJson,
  int,
  parseRevocationList,
  str,
  trustRequest,
  type CosignRequest,
  type CosignatureJson,
  type IssueReply,
} from './protocol';
import type { TokenBuckets } from './rate-limit';

/** A refusal by policy as data, so the caller gets the stable code and retry-after back (errors carry text only). */
function refused(err: CaRefusedError | NameRefusedError, extra: Record<string, unknown> = {}): Refusal {
  const body = err instanceof CaRefusedError ? err.toJson() : { code: err.code, message: err.message };
  return { refused: { ...body, ...extra } };
}

interface Refusal {
  readonly refused: Record<string, unknown>;
}

/** The CA's calls that take no request body. */
const NO_REQUEST = { validate: ignoreReply, emptyIsUndefined: true } as const;

/** Takes a token for the calling peer, or answers CA_RATE_LIMITED before any other work. */
function limited(buckets: TokenBuckets, ctx: CallContext, what: string): Refusal | null {
  const taken = buckets.take(ctx.peer.nodeId);
  if (taken.ok) return null;
  return refused(
    new CaRefusedError(
      ErrorCode.CaRateLimited,
      `too many ${what} requests from this node; try again in ${Math.ceil(taken.retryAfterMs / 1000)} s`,
      taken.retryAfterMs,
    ),
  );
}

/** Serves a CA's STOQ methods (docs/trust.md, "Protocol"). */
export function serveCa(ca: CaService, router: StoqRouter): void {
  handleJson(router, TrustMethod.Bundle, NO_REQUEST, () => ca.bundle());
  router.rpc(TrustMethod.Issue, async (body, ctx) => {
    const refusal = limited(ca.issueCallRate, ctx, 'certificate');
    if (refusal) return encodeJson(refusal);
    try {
      const issued = await ca.issue(body, ctx.peer.nodeId);
      const reply: IssueReply = {
        certificate: Buffer.from(issued.certificate).toString('base64'),
        chain: issued.chain.map((c) => Buffer.from(c).toString('base64')),
      };
      return encodeJson(reply);
    } catch (err) {
      if (err instanceof AlreadyCertifiedError) {
        const current: IssueReply = {
          certificate: Buffer.from(err.current.certificate).toString('base64'),
          chain: err.current.chain.map((c) => Buffer.from(c).toString('base64')),
        };
        return encodeJson(refused(err, { current }));
      }
      if (err instanceof CaRefusedError) return encodeJson(refused(err));
      throw err;
    }
  });
  handleJson(router, TrustMethod.Head, NO_REQUEST, () => {
    const head = ca.log.latestHead();
    if (!head) throw new TrustError('the log has no signed head yet');
    return headToJson(head);
  });
  handleJson(router, TrustMethod.Consistency, trustRequest('the consistency request'), (req) => {
    const from = int(req, 'from', 'the consistency request', 1);
    const to = int(req, 'to', 'the consistency request', 1);
    if (from > to || to > ca.log.size) throw new TrustError(`no consistency proof from ${from} to ${to}`);
    const proof = ca.log.consistencyProof(from, to).map((h) => Buffer.from(h).toString('base64'));
    return { proof };
  });
  handleJson(router, TrustMethod.Revocations, NO_REQUEST, () => ca.revocationList());
  handleJson(router, TrustMethod.Resolve, trustRequest('the name request'), (req) =>
    ca.resolve(str(req, 'name', 'the name request', 63)),
  );
  // The rate limits below are counted before any other work (the JSON is decoded first; it is cheap).
  handleJson(router, TrustMethod.Register, trustRequest('the registration'), async (req, ctx) => {
    if (ctx.peer.kind !== 'trustchain') throw new TrustError('registering a name needs a TrustChain certificate');
    const refusal = limited(ca.nameCallRate, ctx, 'name');
    if (refusal) return refusal;
    const addresses = req.addresses;
    if (
      !Array.isArray(addresses) ||
      addresses.length > 8 ||
      addresses.some((a) => typeof a !== 'string' || a.length > 300)
    )
      throw new TrustError('addresses must be a list of up to 8 strings');
    try {
      return await ca.register(str(req, 'name', 'the registration', 63), ctx.peer.nodeId, addresses as string[]);
    } catch (err) {
      // A refusal by the name limits travels as data, so the node gets its stable code back.
      if (err instanceof NameRefusedError) return refused(err);
      throw err;
    }
  });
  handleJson(router, TrustMethod.Release, trustRequest('the release'), (req, ctx) => {
    if (ctx.peer.kind !== 'trustchain') throw new TrustError('releasing a name needs a TrustChain certificate');
    const refusal = limited(ca.nameCallRate, ctx, 'name');
    if (refusal) return refusal;
    ca.release(str(req, 'name', 'the release', 63), ctx.peer.nodeId);
    return { released: true };
  });
  handleJson(router, TrustMethod.Cosign, trustRequest('the co-signing request'), async (req, ctx) => {
    // Counted per calling node before any post-quantum verification.
    const refusal = limited(ca.cosignRate, ctx, 'co-signing');
    if (refusal) return refusal;
    b64(req, 'signingInput', 'the co-signing request', 100_000);
    b64(req, 'signature', 'the co-signing request', 20_000);
    const revocations = req.revocations;
    if (typeof revocations !== 'object' || revocations === null || Array.isArray(revocations))
      throw new TrustError("the co-signing request lacks the requesting CA's revocation list");
    const request: CosignRequest = {
      caId: str(req, 'caId', 'the co-signing request', 64),
      signingInput: str(req, 'signingInput', 'the co-signing request'),
      signature: str(req, 'signature', 'the co-signing request'),
      revocations: parseRevocationList(revocations as Record<string, unknown>),
    };
    const cosignatures: CosignatureJson[] = (await ca.cosign(request)).map((c) => ({
      caIdRaw: Buffer.from(c.caIdRaw).toString('hex'),
      alg: c.algorithm,
      signature: Buffer.from(c.signature).toString('base64'),
    }));
    return { cosignatures };
  });
}
