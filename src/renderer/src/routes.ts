/**
 * The pages in the order the sidebar lists them: the everyday ones first (what people who share their computer look
 * at), then the advanced ones.
 */
export const PAGES = [
  { id: 'dashboard', title: 'Dashboard', group: 'everyday' },
  { id: 'sharing', title: 'Sharing', group: 'everyday' },
  { id: 'activity', title: 'Activity', group: 'everyday' },
  { id: 'wallet', title: 'Wallet', group: 'everyday' },
  { id: 'marketplace', title: 'Marketplace', group: 'advanced' },
  { id: 'jobs', title: 'Jobs', group: 'advanced' },
  { id: 'memory', title: 'Memory proxy', group: 'advanced' },
  { id: 'assets', title: 'Assets', group: 'advanced' },
  { id: 'network', title: 'Network', group: 'advanced' },
  { id: 'certificates', title: 'Certificates', group: 'advanced' },
  { id: 'logs', title: 'Logs', group: 'advanced' },
  { id: 'settings', title: 'Settings', group: 'advanced' },
] as const;

/** The sidebar's labelled groups, in order. */
export const NAV_GROUPS = [
  { id: 'everyday', title: 'Everyday' },
  { id: 'advanced', title: 'Advanced' },
] as const;

export type NavGroupId = (typeof NAV_GROUPS)[number]['id'];

/** The pages of one sidebar group, in sidebar order. */
export function pagesIn(group: NavGroupId): readonly (typeof PAGES)[number][] {
  return PAGES.filter((p) => p.group === group);
}

export type PageId = (typeof PAGES)[number]['id'];

/** HyperMesh's internal names open pages: http3://caesar is the wallet, and so on. */
const INTERNAL_NAMES: Readonly<Record<string, PageId>> = {
  hypermesh: 'dashboard',
  caesar: 'wallet',
  trust: 'certificates',
  assets: 'assets',
  activity: 'activity',
};

export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return PAGES.some((p) => p.id === id) ? (id as PageId) : 'dashboard';
}

/** The HyperMesh name in `http3://NAME` (or `http3://NAME/anything`), lower-cased; null if it is not such a URL. */
export function nameFromUrl(url: string): string | null {
  const match = /^http3:\/\/([a-z0-9-]+)(\/.*)?$/i.exec(url.trim());
  return match?.[1]?.toLowerCase() ?? null;
}

/** Maps `http3://caesar` (or `http3://caesar/anything`) to its page; null for names that are not internal. */
export function pageFromInternalUrl(url: string): PageId | null {
  const name = nameFromUrl(url);
  return name ? (INTERNAL_NAMES[name] ?? null) : null;
}
