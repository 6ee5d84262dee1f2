import type { AssetView } from '../../shared/assets';
import { isSharing } from '../../shared/privacy';
import type { Settings } from '../../shared/settings';
import type { AssetAdapter } from './adapter';
import { assetIdOf } from './create-adapters';
import type { RegisteredAsset } from './registry-types';

/** What the Assets page shows of each adapter: its capacity, use, registration state and who may see it. */

export interface AssetViewInput {
  readonly adapters: readonly AssetAdapter[];
  readonly nodeId: string;
  readonly settings: Settings;
  /** The asset as last registered, if it was. */
  readonly registered: (assetId: string) => RegisteredAsset | undefined;
  /** Whether a registration is being proved now. */
  readonly pending: (assetId: string) => boolean;
  /** Why the last registration failed, if it did. */
  readonly problem: (assetId: string) => string | null;
}

export function assetViews(input: AssetViewInput): AssetView[] {
  const { settings } = input;
  return input.adapters.map((adapter): AssetView => {
    const cap = adapter.describe();
    const usage = adapter.usage();
    const detection = adapter.detection();
    const assetId = assetIdOf(adapter, input.nodeId);
    const shared = cap.present && cap.allowed > 0 && isSharing(settings);
    const reg = assetId ? input.registered(assetId) : undefined;
    const current =
      reg !== undefined &&
      reg.capacity.allowed === cap.allowed &&
      reg.privacyLevel === settings.privacyLevel &&
      reg.allocationType === settings.allocationType;
    const problem = assetId ? input.problem(assetId) : null;
    const state: AssetView['registration']['state'] = !shared
      ? 'not-shared'
      : current
        ? 'registered'
        : assetId && input.pending(assetId)
          ? 'pending'
          : problem
            ? 'failed'
            : 'pending';
    return {
      kind: adapter.kind,
      present: cap.present,
      summary: detection?.present ? detection.summary : (detection?.reason ?? cap.reason ?? 'not detected yet'),
      unit: cap.unit,
      total: cap.total,
      allowed: cap.allowed,
      inUse: usage.inUse,
      leases: usage.leases.length,
      overCommitted: cap.overCommitted,
      assetId: shared && current ? assetId : null,
      registration: {
        state,
        registeredAt: current ? reg.registeredAt : null,
        proofs: current ? { space: true, stake: true, work: true, time: true } : null,
        problem: shared && !current ? problem : null,
      },
      visibility: describeVisibility(settings, shared),
    };
  });
}

function describeVisibility(settings: Settings, shared: boolean): string {
  if (!shared || settings.privacyLevel === 'Private') return 'nobody: not shared, never announced';
  const base: Record<Settings['privacyLevel'], string> = {
    Private: 'nobody',
    PrivateNetwork: 'your private groups (none listed yet)',
    P2P: 'peers you approve one by one (none yet)',
    PublicNetwork: 'the public networks this node joins (none yet)',
    FullPublic: 'every peer',
  };
  const suffix: Record<Settings['allocationType'], string> = {
    Private: ', and only your own devices',
    Public: '',
    Anonymous: ', without your identity',
    Verified: ', only peers that present all four proofs',
  };
  return `${base[settings.privacyLevel]}${suffix[settings.allocationType]}`;
}
