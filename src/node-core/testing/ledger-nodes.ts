import type { RemoteAllocationView, RemoteAssetView } from '../../shared/mesh';
import { formatHostPort } from '../../shared/network';
import type { HyperMeshNode } from '../node';
import { certify } from './certify';
import { sharePublicly } from './share';
import { until } from './until';

/** What `memoryLeaseOnLedger` sets up: three certified nodes beside a CA, and the consumer's lease on the provider. */
export interface LedgerLeaseSetup {
  readonly ca: HyperMeshNode;
  readonly provider: HyperMeshNode;
  readonly consumer: HyperMeshNode;
  readonly third: HyperMeshNode;
  readonly asset: RemoteAssetView;
  readonly lease: RemoteAllocationView;
}

/**
 * A CA and three nodes (provider, consumer, third) certified by it, all holding the ledger's genesis; the provider
 * shares memory publicly, and the consumer leases 64 MiB of it for `durationMs` once the ledger records the asset.
 * Receipts then turn into the provider's rewards. `start` is the test file's useNodes().
 */
export async function memoryLeaseOnLedger(
  start: (config?: object) => Promise<HyperMeshNode>,
  durationMs: number,
): Promise<LedgerLeaseSetup> {
  const ca = await start({ authority: { name: 'Ledger CA' } });
  const caAddress = formatHostPort(ca.transport!.address);
  const provider = await start({});
  const consumer = await start({});
  const third = await start({});
  for (const n of [provider, consumer, third]) await certify(n, caAddress);
  for (const n of [provider, consumer, third])
    await until('the genesis', async () => (await n.api.getWallet()).ledger.genesisHash ?? undefined);
  await sharePublicly(provider, { memory: 50 });
  const asset = await until('the memory asset to be announced', async () => {
    const hits = await consumer.api.searchAssets({ kind: 'memory' });
    return hits.find((h) => h.owner === provider.identity.nodeId);
  });
  await until('the registration on the ledger', () =>
    consumer.ledger!.ledgerState!.registrations.has(asset.assetId) ? true : undefined,
  );
  const lease = await consumer.api.allocateRemote({ assetId: asset.assetId, amount: 64 * 2 ** 20, durationMs });
  return { ca, provider, consumer, third, asset, lease };
}
