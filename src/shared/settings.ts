import {
  IssueList,
  checkBoolean,
  checkInteger,
  checkOneOf,
  checkSection,
  describeValue,
  isPlainObject,
} from './validate';
import { ValidationError } from './errors';
import { DEFAULT_RULES, checkPausedUntil, checkRules, type SharingRules } from './sharing-rules';
import { DEFAULT_NOTIFICATIONS, checkNotifications, type NotificationSettings } from './notifications';

export const PRIVACY_LEVELS = ['Private', 'PrivateNetwork', 'P2P', 'PublicNetwork', 'FullPublic'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

export const ALLOCATION_TYPES = ['Private', 'Public', 'Anonymous', 'Verified'] as const;
export type AllocationType = (typeof ALLOCATION_TYPES)[number];

export const RESOURCE_KINDS = ['cpu', 'gpu', 'memory', 'storage', 'bandwidth'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const PROOF_KINDS = ['space', 'stake', 'work', 'time'] as const;
export type ProofKind = (typeof PROOF_KINDS)[number];

export const PROXY_SELECTIONS = ['trust', 'latency', 'balanced'] as const;
export type ProxySelection = (typeof PROXY_SELECTIONS)[number];

export const THEMES = ['system', 'light', 'dark'] as const;

export const TIER_SETTINGS = ['auto', '100M', '1G', '2.5G'] as const;
export type TierSetting = (typeof TIER_SETTINGS)[number];

export const BANDWIDTH_CAP_RANGE = { min: 1, max: 100_000 } as const;
export type Theme = (typeof THEMES)[number];

export const LIMIT_RANGES = {
  maxConcurrentUsers: { min: 1, max: 1000 },
  maxDurationMinutes: { min: 1, max: 43_200 },
} as const;

export const PROXY_MAX_PROVIDERS_RANGE = { min: 1, max: 16 } as const;

export interface ResourceLimits {
  /** How many consumers may hold a lease on this resource at once. */
  readonly maxConcurrentUsers: number;
  /** The longest lease granted, in minutes (30 days at most). */
  readonly maxDurationMinutes: number;
}

export interface RewardSettings {
  /** Share of each payout locked as stake automatically (feeds PoStake), 0–100. */
  readonly autoStakePercent: number;
  /** Lowest rate, in Caesar per resource-hour, the node accepts; a decimal string. */
  readonly minimumRatePerHour: string;
}

export interface ProxySettings {
  /** Whether this node relays and proxies traffic and memory for others. */
  readonly serveAsProxy: boolean;
  /** How remote providers are chosen: by stake and certificate standing, by latency, or both. */
  readonly selection: ProxySelection;
  /** The most providers one remote memory pool is sharded across. */
  readonly maxProviders: number;
}

export interface NetworkSettings {
  /** `auto` measures each path; otherwise the tier is pinned. */
  readonly tier: TierSetting;
  /** Hard cap on outgoing peer traffic in Mbit/s, or null for none (the bandwidth allocation also caps sharing). */
  readonly bandwidthCapMbps: number | null;
  /** Also listen and dial over IPv4 (STOQ is IPv6 first). */
  readonly ipv4: boolean;
}

export interface TrustSettings {
  /**
   * The TrustChain CA this node asks for its certificate (phase 0 bootstrap): `host:port` with a DNS name, an IPv4
   * address or an IPv6 address in brackets. Empty: the node keeps its self-signed certificate.
   */
  readonly caAddress: string;
  /** SHA-256 (hex) of the CA's root certificate, pinned on first contact; null trusts the first root it is shown. */
  readonly caRootSha256: string | null;
  /** Also serve peers that have only a self-signed certificate (TrustChain's own calls are always open). */
  readonly acceptSelfSignedPeers: boolean;
}

export interface MeshSettings {
  /** Join the mesh (discovery, announcements); off keeps the node to direct connections. */
  readonly enabled: boolean;
  /**
   * Peers to join the mesh through, besides the nodes the TrustChain name `hypermesh` resolves to: `host:port`
   * entries separated by commas or spaces.
   */
  readonly bootstrap: string;
  /** Find peers on the local network by multicast DNS. */
  readonly mdns: boolean;
  /** Relay connections for peers behind NAT (circuit relay); uses this node's bandwidth share. */
  readonly relay: boolean;
}

export interface AppSettings {
  readonly theme: Theme;
  readonly startAtLogin: boolean;
  /** Check for updates (desktop app, installed builds only): at start and every 12 h; a restart is always asked. */
  readonly autoUpdate: boolean;
  /** When the welcome guide was finished or skipped (ISO time); null shows it at the next start of the UI. */
  readonly onboardingCompletedAt: string | null;
}

export interface Settings {
  readonly privacyLevel: PrivacyLevel;
  readonly allocationType: AllocationType;
  /** Pause-all: while true nothing is shared, whatever the allocations say. */
  readonly sharingPaused: boolean;
  /** Snooze: nothing is shared until this ISO time (survives a restart); null when not snoozed. */
  readonly pausedUntil: string | null;
  /** Percentage (integer 0–100) of each resource the user lets the mesh use. */
  readonly allocation: Readonly<Record<ResourceKind, number>>;
  readonly limits: Readonly<Record<ResourceKind, ResourceLimits>>;
  readonly rewards: RewardSettings;
  /** Which of the four consensus proofs a peer must present. */
  readonly requiredProofs: Readonly<Record<ProofKind, boolean>>;
  readonly proxy: ProxySettings;
  readonly network: NetworkSettings;
  readonly trust: TrustSettings;
  readonly mesh: MeshSettings;
  readonly app: AppSettings;
  /** When and how much to share as the person uses the computer (docs/sharing-rules.md). */
  readonly rules: SharingRules;
  /** Which notices the node sends (shared/notifications.ts); all on by default. */
  readonly notifications: NotificationSettings;
}

// Lists (schedule windows, program names) are replaced whole, never merged item by item.
type DeepPartial<T> = {
  -readonly [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
export type SettingsPatch = DeepPartial<Settings>;

function perResource<T>(make: () => T): Record<ResourceKind, T> {
  return Object.fromEntries(RESOURCE_KINDS.map((k) => [k, make()])) as Record<ResourceKind, T>;
}

/** The well-known CA of phase 0 (a DNS name, so it can move). */
export const DEFAULT_CA_ADDRESS = 'trust.hypermesh.online:9292';

/**
 * A service address: `name:port`, `1.2.3.4:port` or `[v6]:port`. Returns null if it does not parse; no lookups.
 */
export function parseServiceAddress(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  const host = m[1] ?? m[2] ?? '';
  if (m[1] === undefined && (host.length > 253 || host.startsWith('.') || host.startsWith('-') || host.includes('..')))
    return null;
  if (m[1] !== undefined && !m[1].includes(':')) return null;
  return { host, port };
}

/** Nothing is shared until the user says so. */
/** The entries of an address list such as `mesh.bootstrap` (commas or whitespace between them). */
export function splitAddressList(text: string): string[] {
  return text.split(/[\s,]+/).filter((e) => e.length > 0);
}

export const DEFAULT_SETTINGS: Settings = Object.freeze<Settings>({
  privacyLevel: 'Private',
  allocationType: 'Private',
  sharingPaused: false,
  pausedUntil: null,
  allocation: perResource(() => 0),
  limits: perResource(() => ({ maxConcurrentUsers: 4, maxDurationMinutes: 240 })),
  rewards: { autoStakePercent: 0, minimumRatePerHour: '0' },
  requiredProofs: { space: true, stake: true, work: true, time: true },
  proxy: { serveAsProxy: false, selection: 'balanced', maxProviders: 3 },
  network: { tier: 'auto', bandwidthCapMbps: null, ipv4: false },
  trust: { caAddress: DEFAULT_CA_ADDRESS, caRootSha256: null, acceptSelfSignedPeers: false },
  mesh: { enabled: true, bootstrap: '', mdns: true, relay: false },
  app: { theme: 'system', startAtLogin: false, autoUpdate: true, onboardingCompletedAt: null },
  rules: DEFAULT_RULES,
  notifications: DEFAULT_NOTIFICATIONS,
});

const DECIMAL = /^(0|[1-9]\d{0,11})(\.\d{1,8})?$/;

const TOP_KEYS = [
  'privacyLevel',
  'allocationType',
  'sharingPaused',
  'pausedUntil',
  'allocation',
  'limits',
  'rewards',
  'requiredProofs',
  'proxy',
  'network',
  'trust',
  'mesh',
  'app',
  'rules',
  'notifications',
] as const satisfies readonly (keyof Settings)[];

/**
 * Checks a whole settings value or (partial = true) a patch of one. Every problem is reported, each with the
 * field's path, e.g. `allocation.cpu must be an integer 0–100, got 120`.
 */
function check(value: unknown, partial: boolean): IssueList {
  const issues = new IssueList();
  const root = checkSection(issues, '', value, TOP_KEYS, partial);
  if (!root) {
    issues.issues.splice(0, issues.issues.length, {
      path: '',
      message: `settings must be an object, got ${describeValue(value)}`,
    });
    return issues;
  }
  // Missing fields of a whole document were reported by checkSection(); only present ones are checked further.
  const has = (obj: Record<string, unknown>, key: string) => key in obj;

  if (has(root, 'privacyLevel')) checkOneOf(issues, 'privacyLevel', root.privacyLevel, PRIVACY_LEVELS);
  if (has(root, 'allocationType')) checkOneOf(issues, 'allocationType', root.allocationType, ALLOCATION_TYPES);
  if (has(root, 'sharingPaused')) checkBoolean(issues, 'sharingPaused', root.sharingPaused);
  if (has(root, 'pausedUntil')) checkPausedUntil(issues, root.pausedUntil);
  if (has(root, 'rules')) checkRules(issues, root.rules, partial);
  if (has(root, 'notifications')) checkNotifications(issues, root.notifications, partial);

  if (has(root, 'allocation')) {
    const alloc = checkSection(issues, 'allocation', root.allocation, RESOURCE_KINDS, partial);
    if (alloc) {
      for (const kind of RESOURCE_KINDS) {
        if (has(alloc, kind)) checkInteger(issues, `allocation.${kind}`, alloc[kind], 0, 100);
      }
    }
  }
  if (has(root, 'limits')) {
    const limits = checkSection(issues, 'limits', root.limits, RESOURCE_KINDS, partial);
    if (limits) {
      for (const kind of RESOURCE_KINDS) {
        if (!has(limits, kind)) continue;
        const path = `limits.${kind}`;
        const lim = checkSection(issues, path, limits[kind], Object.keys(LIMIT_RANGES), partial);
        if (!lim) continue;
        for (const [key, range] of Object.entries(LIMIT_RANGES)) {
          if (has(lim, key)) checkInteger(issues, `${path}.${key}`, lim[key], range.min, range.max);
        }
      }
    }
  }
  if (has(root, 'rewards')) {
    const rewards = checkSection(issues, 'rewards', root.rewards, ['autoStakePercent', 'minimumRatePerHour'], partial);
    if (rewards) {
      if (has(rewards, 'autoStakePercent'))
        checkInteger(issues, 'rewards.autoStakePercent', rewards.autoStakePercent, 0, 100);
      if (has(rewards, 'minimumRatePerHour')) {
        const rate = rewards.minimumRatePerHour;
        if (typeof rate !== 'string' || !DECIMAL.test(rate)) {
          issues.add(
            'rewards.minimumRatePerHour',
            `rewards.minimumRatePerHour must be a decimal string such as "0.5" (up to 8 decimals), got ${describeValue(rate)}`,
          );
        }
      }
    }
  }
  if (has(root, 'requiredProofs')) {
    const proofs = checkSection(issues, 'requiredProofs', root.requiredProofs, PROOF_KINDS, partial);
    if (proofs) {
      for (const kind of PROOF_KINDS) {
        if (has(proofs, kind)) checkBoolean(issues, `requiredProofs.${kind}`, proofs[kind]);
      }
    }
  }
  if (has(root, 'proxy')) {
    const proxy = checkSection(issues, 'proxy', root.proxy, ['serveAsProxy', 'selection', 'maxProviders'], partial);
    if (proxy) {
      if (has(proxy, 'serveAsProxy')) checkBoolean(issues, 'proxy.serveAsProxy', proxy.serveAsProxy);
      if (has(proxy, 'selection')) checkOneOf(issues, 'proxy.selection', proxy.selection, PROXY_SELECTIONS);
      if (has(proxy, 'maxProviders'))
        checkInteger(
          issues,
          'proxy.maxProviders',
          proxy.maxProviders,
          PROXY_MAX_PROVIDERS_RANGE.min,
          PROXY_MAX_PROVIDERS_RANGE.max,
        );
    }
  }
  if (has(root, 'network')) {
    const net = checkSection(issues, 'network', root.network, ['tier', 'bandwidthCapMbps', 'ipv4'], partial);
    if (net) {
      if (has(net, 'tier')) checkOneOf(issues, 'network.tier', net.tier, TIER_SETTINGS);
      if (has(net, 'bandwidthCapMbps') && net.bandwidthCapMbps !== null) {
        checkInteger(
          issues,
          'network.bandwidthCapMbps',
          net.bandwidthCapMbps,
          BANDWIDTH_CAP_RANGE.min,
          BANDWIDTH_CAP_RANGE.max,
        );
      }
      if (has(net, 'ipv4')) checkBoolean(issues, 'network.ipv4', net.ipv4);
    }
  }
  if (has(root, 'trust')) {
    const trust = checkSection(
      issues,
      'trust',
      root.trust,
      ['caAddress', 'caRootSha256', 'acceptSelfSignedPeers'],
      partial,
    );
    if (trust) {
      if (has(trust, 'caAddress')) {
        const v = trust.caAddress;
        if (typeof v !== 'string' || (v !== '' && parseServiceAddress(v) === null)) {
          issues.add(
            'trust.caAddress',
            `trust.caAddress must be HOST:PORT (a name, an IPv4 address or [IPv6]) or empty, got ${describeValue(v)}`,
          );
        }
      }
      if (has(trust, 'caRootSha256') && trust.caRootSha256 !== null) {
        const v = trust.caRootSha256;
        if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) {
          issues.add(
            'trust.caRootSha256',
            `trust.caRootSha256 must be 64 lowercase hex digits or null, got ${describeValue(v)}`,
          );
        }
      }
      if (has(trust, 'acceptSelfSignedPeers'))
        checkBoolean(issues, 'trust.acceptSelfSignedPeers', trust.acceptSelfSignedPeers);
    }
  }
  if (has(root, 'mesh')) {
    const mesh = checkSection(issues, 'mesh', root.mesh, ['enabled', 'bootstrap', 'mdns', 'relay'], partial);
    if (mesh) {
      if (has(mesh, 'enabled')) checkBoolean(issues, 'mesh.enabled', mesh.enabled);
      if (has(mesh, 'mdns')) checkBoolean(issues, 'mesh.mdns', mesh.mdns);
      if (has(mesh, 'relay')) checkBoolean(issues, 'mesh.relay', mesh.relay);
      if (has(mesh, 'bootstrap')) {
        const v = mesh.bootstrap;
        const entries = typeof v === 'string' ? splitAddressList(v) : null;
        const bad = entries?.find((e) => parseServiceAddress(e) === null);
        if (entries === null || (v as string).length > 2000 || entries.length > 32 || bad !== undefined) {
          issues.add(
            'mesh.bootstrap',
            `mesh.bootstrap must be up to 32 HOST:PORT entries separated by commas or spaces` +
              (bad === undefined ? `, got ${describeValue(v)}` : `; ${describeValue(bad)} is not one`),
          );
        }
      }
    }
  }
  if (has(root, 'app')) {
    const appKeys = ['theme', 'startAtLogin', 'autoUpdate', 'onboardingCompletedAt'];
    const app = checkSection(issues, 'app', root.app, appKeys, partial);
    if (app) {
      if (has(app, 'theme')) checkOneOf(issues, 'app.theme', app.theme, THEMES);
      if (has(app, 'startAtLogin')) checkBoolean(issues, 'app.startAtLogin', app.startAtLogin);
      if (has(app, 'autoUpdate')) checkBoolean(issues, 'app.autoUpdate', app.autoUpdate);
      if (has(app, 'onboardingCompletedAt'))
        checkPausedUntil(issues, app.onboardingCompletedAt, 'app.onboardingCompletedAt');
    }
  }
  return issues;
}

/**
 * Brings a stored settings document written by an older version up to date: sections it lacks get their defaults.
 * Nothing the user set is changed; the result is validated as usual.
 */
export function upgradeSettingsDocument(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const upgraded: Record<string, unknown> = { ...value };
  for (const key of TOP_KEYS) if (!(key in upgraded)) upgraded[key] = DEFAULT_SETTINGS[key];
  // Fields added to the app section later (autoUpdate, onboardingCompletedAt) get their defaults too.
  if (isPlainObject(upgraded.app)) upgraded.app = { ...DEFAULT_SETTINGS.app, ...upgraded.app };
  // Notice kinds added later are on until the person turns them off.
  if (isPlainObject(upgraded.notifications)) {
    upgraded.notifications = { ...DEFAULT_SETTINGS.notifications, ...upgraded.notifications };
  }
  return upgraded;
}

/** Returns `value` as Settings or throws a ValidationError listing every problem. */
export function validateSettings(value: unknown): Settings {
  check(value, false).throwIfAny();
  return value as Settings;
}

/** Returns `value` as a SettingsPatch or throws a ValidationError listing every problem. */
export function validateSettingsPatch(value: unknown): SettingsPatch {
  check(value, true).throwIfAny();
  return value as SettingsPatch;
}

function mergeDeep(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = mergeDeep(base[key], value);
  return out;
}

/** Applies a validated patch to whole settings; the result is validated again as a whole. */
export function applySettingsPatch(current: Settings, patch: unknown): Settings {
  const valid = validateSettingsPatch(patch);
  return validateSettings(mergeDeep(current, valid));
}

/** Reads one setting by dotted path, e.g. `allocation.cpu`; throws for an unknown path. */
export function getSettingAt(settings: Settings, path: string): unknown {
  let node: unknown = settings;
  for (const key of path.split('.')) {
    // Own keys only: `constructor`, `__proto__` or `toString` are not settings.
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) {
      throw new ValidationError([{ path, message: `${path} is not a known setting` }]);
    }
    node = node[key];
  }
  return node;
}

/** Builds the patch that sets one dotted path, e.g. (`allocation.cpu`, 25) → { allocation: { cpu: 25 } }. */
export function patchAt(path: string, value: unknown): SettingsPatch {
  const keys = path.split('.');
  if (keys.some((k) => k.length === 0)) {
    throw new ValidationError([{ path, message: `"${path}" is not a setting path (use e.g. allocation.cpu)` }]);
  }
  let patch: unknown = value;
  for (const key of keys.reverse()) patch = { [key]: patch };
  return validateSettingsPatch(patch);
}
