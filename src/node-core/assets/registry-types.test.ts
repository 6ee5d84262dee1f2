import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, PRIVACY_LEVELS, ALLOCATION_TYPES } from '../../shared/settings';
import { assetIdFor } from './asset-id';
import {
  visibilityPolicyFrom,
  visibleTo,
  type PeerView,
  type RegisteredAsset,
  type VisibilityPolicy,
} from './registry-types';

const OWNER = 'a'.repeat(52);
const asset = (over: Partial<RegisteredAsset> = {}): RegisteredAsset => ({
  assetId: assetIdFor('cpu', OWNER, { model: 'X', logicalCores: 8 }),
  kind: 'cpu',
  owner: OWNER,
  descriptor: { model: 'X', logicalCores: 8 },
  capacity: { unit: 'slots', total: 8, allowed: 4 },
  privacyLevel: 'FullPublic',
  allocationType: 'Public',
  registeredAt: '2025-01-01T00:00:00.000Z',
  ...over,
});
const policy: VisibilityPolicy = {
  sharing: true,
  groups: ['home'],
  peers: ['peer-friend'],
  networks: ['net-public'],
  ownDevices: ['peer-laptop'],
  anonymityKey: new Uint8Array(32).fill(7),
};
const peer = (over: Partial<PeerView> = {}): PeerView => ({
  nodeId: 'peer-x',
  groups: [],
  networks: [],
  presentsAllFourProofs: false,
  ...over,
});
const everyone: PeerView[] = [
  peer(),
  peer({ nodeId: 'peer-friend', groups: ['home'], networks: ['net-public'], presentsAllFourProofs: true }),
  peer({ nodeId: 'peer-laptop', groups: ['home'], presentsAllFourProofs: true }),
  peer({ nodeId: OWNER, groups: ['home'], networks: ['net-public'], presentsAllFourProofs: true }),
];

describe('visibleTo', () => {
  it('never announces a Private asset to any peer, whatever the allocation type or the peer presents', () => {
    for (const allocationType of ALLOCATION_TYPES) {
      for (const p of everyone) {
        const v = visibleTo(asset({ privacyLevel: 'Private', allocationType }), policy, p);
        expect(v.visible).toBe(false);
      }
    }
  });

  it('announces nothing while sharing is off', () => {
    const off = visibilityPolicyFrom(DEFAULT_SETTINGS, policy);
    expect(off.sharing).toBe(false);
    for (const privacyLevel of PRIVACY_LEVELS) {
      for (const p of everyone) expect(visibleTo(asset({ privacyLevel }), off, p).visible).toBe(false);
    }
    const on = visibilityPolicyFrom({ ...DEFAULT_SETTINGS, privacyLevel: 'FullPublic' }, policy);
    expect(visibleTo(asset(), on, peer()).visible).toBe(true);
  });

  it('PrivateNetwork: only peers in a listed group', () => {
    const a = asset({ privacyLevel: 'PrivateNetwork' });
    expect(visibleTo(a, policy, peer({ groups: ['home'] })).visible).toBe(true);
    expect(visibleTo(a, policy, peer({ groups: ['office'], networks: ['net-public'] })).visible).toBe(false);
  });

  it('P2P: only approved peers', () => {
    const a = asset({ privacyLevel: 'P2P' });
    expect(visibleTo(a, policy, peer({ nodeId: 'peer-friend' })).visible).toBe(true);
    expect(visibleTo(a, policy, peer({ groups: ['home'], networks: ['net-public'] })).visible).toBe(false);
  });

  it('PublicNetwork: only members of a joined network', () => {
    const a = asset({ privacyLevel: 'PublicNetwork' });
    expect(visibleTo(a, policy, peer({ networks: ['other', 'net-public'] })).visible).toBe(true);
    expect(visibleTo(a, policy, peer({ networks: ['other'], groups: ['home'] })).visible).toBe(false);
  });

  it('FullPublic: everyone, with the full asset', () => {
    for (const p of everyone) expect(visibleTo(asset(), policy, p)).toEqual({ visible: true, announcement: asset() });
  });

  it('Verified: only peers presenting all four proofs', () => {
    const a = asset({ allocationType: 'Verified' });
    expect(visibleTo(a, policy, peer({ presentsAllFourProofs: true })).visible).toBe(true);
    const refused = visibleTo(a, policy, peer());
    expect(refused).toEqual({ visible: false, reason: expect.stringMatching(/four proofs/) as unknown });
  });

  it("Private allocation: only the user's own devices", () => {
    const a = asset({ allocationType: 'Private' });
    expect(visibleTo(a, policy, peer({ nodeId: 'peer-laptop' })).visible).toBe(true);
    expect(visibleTo(a, policy, peer({ nodeId: 'peer-friend', presentsAllFourProofs: true })).visible).toBe(false);
  });

  it('Anonymous: announced without the owner, the AssetId or the descriptor; the handle is stable and keyed', () => {
    const a = asset({ allocationType: 'Anonymous' });
    const v = visibleTo(a, policy, peer());
    if (!v.visible) throw new Error('expected visible');
    const text = JSON.stringify(v.announcement);
    expect(text).not.toContain(OWNER);
    expect(text).not.toContain(a.assetId);
    expect(text).not.toContain('"model"');
    expect(v.announcement).toMatchObject({ anonymous: true, kind: 'cpu', capacity: a.capacity });
    const again = visibleTo(a, policy, peer({ nodeId: 'someone-else' }));
    expect(again.visible && again.announcement).toEqual(v.announcement);
    const otherKey = visibleTo(a, { ...policy, anonymityKey: new Uint8Array(32).fill(8) }, peer());
    expect(otherKey.visible && 'handle' in otherKey.announcement && otherKey.announcement.handle).not.toBe(
      'handle' in v.announcement && v.announcement.handle,
    );
    expect(() => visibleTo(a, { ...policy, anonymityKey: new Uint8Array(4) }, peer())).toThrow(/16 bytes/);
  });

  it('Anonymous still respects the privacy level', () => {
    const a = asset({ allocationType: 'Anonymous', privacyLevel: 'P2P' });
    expect(visibleTo(a, policy, peer()).visible).toBe(false);
    expect(visibleTo(a, policy, peer({ nodeId: 'peer-friend' })).visible).toBe(true);
  });
});
