import { createHmac } from 'node:crypto';
import { isSharing } from '../../shared/privacy';
import type { AllocationType, PrivacyLevel, ResourceKind, Settings } from '../../shared/settings';
import { base32 } from '../identity/index';
import type { AssetUnit } from './adapter';
import type { AssetDescriptor } from './asset-id';

/** An asset as the registry keeps it. */
export interface RegisteredAsset {
  readonly assetId: string;
  readonly kind: ResourceKind;
  /** The owner's NodeId. */
  readonly owner: string;
  readonly descriptor: AssetDescriptor;
  /** What is offered: the allowed share and all of it, in `unit`. */
  readonly capacity: { readonly unit: AssetUnit; readonly total: number; readonly allowed: number };
  readonly privacyLevel: PrivacyLevel;
  readonly allocationType: AllocationType;
  /** ISO time. */
  readonly registeredAt: string;
}

/** What a peer is told of an Anonymous asset: no owner, no AssetId (it embeds the owner), no descriptor. */
export interface AnonymousAssetView {
  readonly anonymous: true;
  /** `anon-` + 26 base32 characters: HMAC of the AssetId under the node's secret key, stable but unlinkable. */
  readonly handle: string;
  readonly kind: ResourceKind;
  readonly capacity: RegisteredAsset['capacity'];
  readonly allocationType: 'Anonymous';
}

export type AssetAnnouncement = RegisteredAsset | AnonymousAssetView;

/** Who the node shares with, from settings and the node's lists. */
export interface VisibilityPolicy {
  /** False while sharing is paused or the privacy level is Private: nothing is announced. */
  readonly sharing: boolean;
  /** PrivateNetwork: the groups the user listed. */
  readonly groups: readonly string[];
  /** P2P: the NodeIds the user approved one by one. */
  readonly peers: readonly string[];
  /** PublicNetwork: the public networks the node joined. */
  readonly networks: readonly string[];
  /** Allocation type Private: the user's own devices (NodeIds). */
  readonly ownDevices: readonly string[];
  /** Secret key for anonymous handles (≥ 16 bytes), kept by the node; never announced. */
  readonly anonymityKey: Uint8Array;
}

/** What the node knows of the peer asking. */
export interface PeerView {
  readonly nodeId: string;
  readonly groups: readonly string[];
  readonly networks: readonly string[];
  /** Whether the peer presented all four consensus proofs (space, stake, work, time). */
  readonly presentsAllFourProofs: boolean;
}

export type Visibility =
  | { readonly visible: true; readonly announcement: AssetAnnouncement }
  | { readonly visible: false; readonly reason: string };

/** The policy part settings give; the lists come from the node's group, peer and network stores. */
export function visibilityPolicyFrom(settings: Settings, lists: Omit<VisibilityPolicy, 'sharing'>): VisibilityPolicy {
  return { ...lists, sharing: isSharing(settings) };
}

const meets = (a: readonly string[], b: readonly string[]) => a.some((x) => b.includes(x));

/**
 * Whether `asset` is announced to `peer`, and what the peer is shown. Pure.
 *
 * 1. Nothing while sharing is off; a Private asset never (whatever the peer presents).
 * 2. The privacy level picks the audience: PrivateNetwork → peers in a listed group; P2P → listed peers;
 *    PublicNetwork → members of a joined network; FullPublic → everyone.
 * 3. The allocation type narrows it: Private → the user's own devices only; Verified → only peers presenting all
 *    four proofs; Anonymous → announced without the owner's identity (a redacted view); Public → as is.
 */
export function visibleTo(asset: RegisteredAsset, policy: VisibilityPolicy, peer: PeerView): Visibility {
  const hidden = (reason: string): Visibility => ({ visible: false, reason });
  if (asset.privacyLevel === 'Private') return hidden('the asset is Private: never announced');
  if (!policy.sharing) return hidden('sharing is paused or the node is Private');
  switch (asset.privacyLevel) {
    case 'PrivateNetwork':
      if (!meets(peer.groups, policy.groups)) return hidden('the peer is in none of the listed groups');
      break;
    case 'P2P':
      if (!policy.peers.includes(peer.nodeId)) return hidden('the peer is not an approved peer');
      break;
    case 'PublicNetwork':
      if (!meets(peer.networks, policy.networks)) return hidden('the peer shares no joined public network');
      break;
    case 'FullPublic':
      break;
  }
  switch (asset.allocationType) {
    case 'Private':
      if (!policy.ownDevices.includes(peer.nodeId)) return hidden('the allocation is Private: own devices only');
      return { visible: true, announcement: asset };
    case 'Verified':
      if (!peer.presentsAllFourProofs) return hidden('the allocation is Verified: the peer lacks the four proofs');
      return { visible: true, announcement: asset };
    case 'Anonymous':
      return { visible: true, announcement: anonymousView(asset, policy.anonymityKey) };
    case 'Public':
      return { visible: true, announcement: asset };
  }
}

/** The redacted view of an asset: kind and capacity under a keyed handle. */
export function anonymousView(asset: RegisteredAsset, key: Uint8Array): AnonymousAssetView {
  if (key.byteLength < 16) throw new RangeError('the anonymity key must be at least 16 bytes');
  const mac = createHmac('sha256', key).update('hypermesh/anonymous-asset/v1\0').update(asset.assetId).digest();
  return {
    anonymous: true,
    handle: `anon-${base32(mac.subarray(0, 16))}`,
    kind: asset.kind,
    capacity: { ...asset.capacity },
    allocationType: 'Anonymous',
  };
}
