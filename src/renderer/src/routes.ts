export const PAGES = [
  { id: 'dashboard', title: 'Dashboard' },
  { id: 'sharing', title: 'Sharing' },
  { id: 'activity', title: 'Activity' },
  { id: 'assets', title: 'Assets' },
  { id: 'marketplace', title: 'Marketplace' },
  { id: 'network', title: 'Network' },
  { id: 'certificates', title: 'Certificates' },
  { id: 'memory', title: 'Memory proxy' },
  { id: 'jobs', title: 'Jobs' },
  { id: 'wallet', title: 'Wallet' },
  { id: 'logs', title: 'Logs' },
  { id: 'settings', title: 'Settings' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

/** HyperMesh's internal names open pages: http3://caesar is the wallet, and so on. */
const INTERNAL_NAMES: Readonly<Record<string, PageId>> = {
  hypermesh: 'dashboard',
  caesar: 'wallet',
  trust: 'certificates',
  assets: 'assets',
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
