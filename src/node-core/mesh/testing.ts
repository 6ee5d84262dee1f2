import type { AnnouncementBody, AnnouncedAsset } from './announcement';

/** A well-formed announcement body for tests (issued at `now`, five minutes to live); its assets are the caller's. */
export function announcementBody(
  owner: string,
  now: number,
  assets: readonly AnnouncedAsset[],
  overrides: Partial<AnnouncementBody> = {},
): AnnouncementBody {
  return {
    v: 1,
    nodeId: owner,
    peerId: '12D3KooWExjNUTDMiMRqDN1ZytAmivBiNr6MVV7wX5QnicJUJTqp',
    addresses: ['[::1]:9292'],
    seq: now,
    issuedAt: now,
    expiresAt: now + 300_000,
    assets,
    ...overrides,
  };
}
