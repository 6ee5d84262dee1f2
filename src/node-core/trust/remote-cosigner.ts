import { resolveServiceAddress } from '../transport/index';
import { callJson } from '../transport/index';
import type { Transport } from '../transport/index';
import { parseCosignReply } from './cosign';
import type { PqCosignature } from './certificates';
import { TrustError, throwIfRefused } from './errors';
import type { TrustedCa } from './federation';
import { TrustMethod, jsonObject, type CosignRequest } from './protocol';

/** Asks another federation CA, over STOQ at the address the federation lists, for its co-signatures. */
export function remoteCosigner(transport: Transport) {
  return async (member: TrustedCa, request: CosignRequest): Promise<PqCosignature[]> => {
    if (!member.address) throw new TrustError(`${member.name} lists no address`);
    // The request and the answer are signed by the CAs' post-quantum keys, so the connection need not be trusted:
    // while a federation changes its threshold, members' own certificates may not satisfy it yet.
    const link = await transport.dialUnverified(await resolveServiceAddress(member.address, { ipv4: true }));
    let cosignatures: PqCosignature[];
    try {
      const reply = await callJson(link, TrustMethod.Cosign, request, {
        timeoutMs: 20_000,
        validate: jsonObject('the co-signing reply'),
      });
      throwIfRefused(reply); // CA_RATE_LIMITED, with its retry-after
      cosignatures = parseCosignReply(reply);
    } finally {
      if (link.peer.kind === 'unanchored') link.close('co-signing done'); // private connection: not kept alive
    }
    // Only this member's own signatures count; anything else in the reply is dropped.
    return cosignatures.filter((c) => Buffer.compare(c.caIdRaw, member.caIdRaw) === 0);
  };
}
