import type { TrustSettings } from '../../shared/settings';
import type { ResolvedName } from '../../shared/trust';
import type { NodeIdentity } from '../identity/index';
import { StoqCode } from '../transport/index';
import { callJson } from '../transport/index';
import { RpcError } from '../transport/index';
import { encodeChain, type PeerLink } from '../transport/index';
import type { CaService } from './ca-service';
import { TrustError, throwIfRefused } from './errors';
import type { TrustedFederation } from './federation';
import { verifyNow } from '../crypto';
import { TrustMethod, jsonObject, nameSigningInput, parseNameRecord, type NameRecordJson } from './protocol';

/** What the name calls need of the TrustClient. */
export interface TrustNamesDeps {
  readonly authority: CaService | undefined;
  readonly identity: NodeIdentity;
  readonly settings: () => { readonly trust: TrustSettings };
  /** The (reused) connection to the configured CA. */
  readonly caLink: (trust: TrustSettings) => Promise<PeerLink>;
  /** This node's chain, leaf first, if it is certified. */
  readonly chain: () => readonly Uint8Array[] | null;
  readonly federation: () => TrustedFederation | null;
  readonly now: () => number;
}

/** A node's calls to its CA's signed name registry (docs/trust.md, "Names"): resolve, register, release. */
export class TrustNames {
  constructor(private readonly deps: TrustNamesDeps) {}

  /** Resolves a name through the CA's signed registry. */
  async resolve(name: string): Promise<ResolvedName> {
    let record: NameRecordJson;
    const authority = this.deps.authority;
    if (authority) record = await authority.resolve(name);
    else {
      const { trust } = this.deps.settings();
      if (trust.caAddress === '') throw new TrustError('no TrustChain CA is configured');
      const link = await this.deps.caLink(trust);
      try {
        record = await callJson(link, TrustMethod.Resolve, { name }, { timeoutMs: 15_000, validate: nameRecord });
      } catch (err) {
        // The CA's own refusal ("not registered") is a TrustChain answer, not a transport failure.
        if (err instanceof RpcError && err.stoqCode === StoqCode.HandlerError)
          throw new TrustError(err.remoteMessage ?? err.message);
        throw err;
      }
    }
    const ca = this.deps.federation()?.members.get(record.caId);
    if (!ca) throw new TrustError('the name record is signed by a CA outside the federation');
    const { signature, ...unsigned } = record;
    if (!verifyNow('ml-dsa-65', Buffer.from(signature, 'base64'), nameSigningInput(unsigned), ca.mldsaPublicKey))
      throw new TrustError(`the record for "${record.name}" has an invalid signature`);
    if (record.name !== name) throw new TrustError(`asked for "${name}", got a record for "${record.name}"`);
    if (Date.parse(record.expiresAt) < this.deps.now()) throw new TrustError(`the record for "${name}" has expired`);
    return {
      name: record.name,
      nodeId: record.nodeId,
      addresses: record.addresses,
      caId: record.caId,
      expiresAt: record.expiresAt,
    };
  }

  /**
   * Registers (or renews) `name` for this node at its CA, pointing at `addresses`; first come, first served.
   * The CA must know this node by its TrustChain certificate, so the chain is shown on the CA connection first.
   */
  async register(name: string, addresses: readonly string[]): Promise<ResolvedName> {
    const chain = this.deps.chain();
    if (!chain) throw new TrustError('registering a name needs this node to be certified first');
    const authority = this.deps.authority;
    if (authority) await authority.register(name, this.deps.identity.nodeId, addresses);
    else {
      const { trust } = this.deps.settings();
      const link = await this.deps.caLink(trust);
      // The connection may predate our certificate: show it now (the CA upgrades what it knows of us).
      await link.request('stoq.hello', encodeChain(chain), { timeoutMs: 15_000 });
      const reply = await callJson(
        link,
        TrustMethod.Register,
        { name, addresses },
        { timeoutMs: 15_000, validate: jsonObject('the registration reply') },
      );
      throwIfRefused(reply); // NAME_LIMIT, NAME_RATE_LIMITED or CA_RATE_LIMITED, with its stable code
      parseNameRecord(reply);
    }
    return this.resolve(name);
  }

  /** Frees a name this node holds at its CA (so it may register another; docs/trust.md, "Names"). */
  async release(name: string): Promise<void> {
    const chain = this.deps.chain();
    if (!chain) throw new TrustError('releasing a name needs this node to be certified first');
    const authority = this.deps.authority;
    if (authority) authority.release(name, this.deps.identity.nodeId);
    else {
      const link = await this.deps.caLink(this.deps.settings().trust);
      await link.request('stoq.hello', encodeChain(chain), { timeoutMs: 15_000 });
      throwIfRefused(
        await callJson(
          link,
          TrustMethod.Release,
          { name },
          { timeoutMs: 15_000, validate: jsonObject('the release reply') },
        ),
      );
    }
  }
}

const nameRecord = (value: unknown) => parseNameRecord(jsonObject('the name record')(value));
