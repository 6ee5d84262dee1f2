import type { NodeApi } from '../../shared/api/contract';
import { formatHostPort } from '../../shared/network';
import { requirePart, type ApiPartContext } from '../api/index';
import type { Transport } from '../transport/index';
import type { CaService } from './ca-service';
import { canonicalSerial } from './certificates';
import { TrustError } from './errors';
import { parseFederationDocument } from './federation';
import type { TrustClient } from './trust-client';

export type TrustApi = Pick<
  NodeApi,
  | 'getTrustStatus'
  | 'resolveName'
  | 'registerName'
  | 'releaseName'
  | 'federationMember'
  | 'signFederation'
  | 'adoptFederation'
  | 'revokeCertificate'
>;

export interface TrustApiContext extends ApiPartContext<TrustClient> {
  /** The CA, when this node runs one. */
  readonly authority: () => CaService | undefined;
  readonly transport: () => Transport | undefined;
  /** The CA address the user set, for the status of a node without TrustChain. */
  readonly caAddress: () => string;
}

/** The Certificates page's calls (and `hypermesh trust/federation`): TrustChain's part of the NodeApi. */
export function trustApi(ctx: TrustApiContext): TrustApi {
  const trust = (what: string) => requirePart(ctx, () => new TrustError(what));
  const authority = () =>
    requirePart(
      { ensureRunning: ctx.ensureRunning, get: ctx.authority },
      () => new TrustError('this node does not run a certificate authority'),
    );
  return {
    getTrustStatus: async () => {
      ctx.ensureRunning();
      const client = ctx.get();
      if (client) return client.status();
      return {
        state: 'off',
        caAddress: ctx.caAddress(),
        problem: 'The peer transport is not running, so this node has no TrustChain certificate.',
        certificate: null,
        federation: null,
        authority: null,
        lastRefreshAt: null,
        revocationListSequence: null,
      };
    },
    resolveName: async (name) =>
      trust('names resolve through TrustChain, which needs the peer transport').resolve(name),
    registerName: async (name) => {
      const client = trust('names need the peer transport and TrustChain');
      const transport = ctx.transport();
      if (!transport) throw new TrustError('names need the peer transport and TrustChain');
      return client.register(name, [formatHostPort(transport.address)]);
    },
    releaseName: async (name) => {
      await trust('names need the peer transport and TrustChain').release(name);
      return { released: name };
    },
    federationMember: async () => authority().memberEntry(),
    signFederation: async (document) => {
      const doc = parseFederationDocument(document);
      const { signatures, ...unsigned } = doc;
      const own = await authority().signFederationProposal(unsigned);
      return { ...doc, signatures: [...signatures.filter((s) => s.caId !== own.caId), own] };
    },
    adoptFederation: async (document) => {
      const adopted = authority().adoptFederation(parseFederationDocument(document));
      void ctx
        .get()
        ?.refresh()
        .catch(() => undefined); // re-certify this node under the new federation
      return { epoch: adopted.epoch, members: adopted.members.size };
    },
    revokeCertificate: async (serial, reason) => {
      authority().revoke(serial, reason);
      return { serial: canonicalSerial(serial) };
    },
  };
}
