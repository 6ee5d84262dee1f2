import type { HyperMeshNode } from '../node';
import { until } from './until';

/**
 * Points the node at the CA and waits for its certificate (a first round against the default CA may be running).
 * No Vitest here: the benchmarks use it too. `ms` bounds the wait.
 */
export async function certify(
  n: HyperMeshNode,
  caAddress: string,
  mesh: object = { bootstrap: caAddress, mdns: false },
  ms = 30_000,
): Promise<void> {
  await n.api.updateSettings({ trust: { caAddress }, mesh });
  await until(
    `${n.identity.nodeIdShort} to be certified`,
    async () => {
      await n.trust!.refresh().catch(() => undefined);
      return n.trust!.chain() ? true : undefined;
    },
    ms,
  );
}
