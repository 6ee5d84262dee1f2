import type { SettingsPatch } from '../../shared/settings';
import type { HyperMeshNode } from '../node';

/** Shares `allocation` with everyone (FullPublic, Public) and waits until the node has registered its assets. */
export async function sharePublicly(
  node: HyperMeshNode,
  allocation: NonNullable<SettingsPatch['allocation']>,
): Promise<void> {
  await node.assets!.ready;
  await node.api.updateSettings({ privacyLevel: 'FullPublic', allocationType: 'Public', allocation });
  await node.assets!.settled();
}
