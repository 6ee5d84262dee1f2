import { verifyNow } from '../crypto';
import { decodeGenesis, encodeGenesis, genesisId, genesisSigningInput, type Genesis } from './block';
import { Chain } from './chain';
import { AUTHORITY_WEIGHT, LedgerMethod, type LedgerContext } from './context';
import { LedgerRuleError, LedgerUnavailableError } from './errors';

/** The genesis: kept in the meta table, made by a CA node, fetched from the CA (and checked) by every other node. */

/** Opens the chain of the genesis this node stored earlier, if any. */
export function loadStoredGenesis(ctx: LedgerContext): void {
  const stored = ctx.options.db.prepare("SELECT value FROM meta WHERE key = 'ledger.genesis'").get() as
    { value: string } | undefined;
  if (stored) useGenesis(ctx, Buffer.from(stored.value, 'base64'));
}

function useGenesis(ctx: LedgerContext, bytes: Buffer): void {
  const genesis = decodeGenesis(bytes);
  ctx.genesis = { genesis, id: genesisId(bytes), bytes };
  ctx.chain = new Chain({
    db: ctx.options.db,
    genesis: ctx.genesis,
    verifyCertificate: (chain, at) => ctx.options.trust.verifyChain(chain, at),
    params: ctx.params,
    now: ctx.now,
    log: ctx.options.log,
  });
  ctx.problem = null;
  ctx.options.log.info(
    `ledger: genesis ${ctx.genesis.id.slice(0, 12)}, height ${ctx.chain.tip.height}, state ${ctx.chain.state.digest().slice(0, 12)}`,
  );
}

function storeGenesis(ctx: LedgerContext, bytes: Buffer): void {
  ctx.options.db
    .prepare(
      "INSERT INTO meta (key, value) VALUES ('ledger.genesis', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )
    .run(bytes.toString('base64'));
  useGenesis(ctx, bytes);
}

/** A CA node makes the genesis; every other node asks its CA for it and checks the creator's chain and signature. */
export async function obtainGenesis(ctx: LedgerContext): Promise<void> {
  const chain = ctx.options.trust.chain();
  if (!chain) {
    ctx.problem = 'Waiting for a TrustChain certificate.';
    return;
  }
  if (ctx.options.createGenesis) {
    const unsigned: Omit<Genesis, 'signature'> = {
      version: 1,
      network: 'hypermesh',
      createdAt: ctx.now(),
      slotMs: ctx.options.slotMs ?? 2000,
      authorities: [{ nodeId: ctx.options.identity.nodeId, weight: AUTHORITY_WEIGHT }],
      creatorChain: chain,
    };
    const bytes = encodeGenesis({
      ...unsigned,
      signature: ctx.options.identity.sign(genesisSigningInput(unsigned)),
    });
    storeGenesis(ctx, bytes);
    ctx.options.log.info('ledger: created the genesis (this node is its first block producer)');
    return;
  }
  ctx.problem = 'Fetching the ledger genesis from the certificate authority.';
  const link = await ctx.caLink(10_000);
  if (!link) throw new LedgerUnavailableError('the certificate authority is not reachable for the ledger genesis');
  const bytes = Buffer.from(await link.request(LedgerMethod.Genesis, new Uint8Array(), { timeoutMs: 10_000 }));
  checkGenesis(ctx, bytes);
  storeGenesis(ctx, bytes);
}

function checkGenesis(ctx: LedgerContext, bytes: Buffer): void {
  const g = decodeGenesis(bytes);
  const creator = g.authorities[0];
  let cert;
  try {
    cert = ctx.options.trust.verifyChain(g.creatorChain, g.createdAt);
  } catch (err) {
    throw new LedgerRuleError('genesis', `the creator's certificate does not verify: ${(err as Error).message}`);
  }
  if (!creator || cert.nodeId !== creator.nodeId)
    throw new LedgerRuleError('genesis', 'the creator is not its first authority');
  const { signature, ...unsigned } = g;
  if (!verifyNow('ml-dsa-65', signature, genesisSigningInput(unsigned), cert.mldsaPublicKey)) {
    throw new LedgerRuleError('genesis', "the creator's signature does not verify");
  }
}
