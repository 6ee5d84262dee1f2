import type { HealthIssue, NodeStatus } from '../shared/api/contract';
import type { HardwareInfo } from '../shared/hardware';
import { effectiveAllocation } from '../shared/privacy';
import type { Settings } from '../shared/settings';
import type { SharingDecision } from '../shared/sharing-policy';

// Pure pieces of the node's own state, kept out of node.ts so that it holds the wiring.

/**
 * Settings with the bandwidth share the sharing rules allow now (in use, schedule, snooze). A snooze caps the
 * traffic like a zero share (the floor that keeps the node reachable), not as if nothing were shared.
 */
export function governedSettings(settings: Settings, allowedBandwidth: number | undefined): Settings {
  if (allowedBandwidth === undefined || allowedBandwidth >= settings.allocation.bandwidth) return settings;
  const allocation = { ...settings.allocation, bandwidth: allowedBandwidth };
  return { ...settings, sharingPaused: false, pausedUntil: null, allocation };
}

/** Each resource's share in effect: the user's setting, lowered to what the sharing rules allow now. */
export function effectiveShares(settings: Settings, decision: SharingDecision): NodeStatus['effectiveAllocation'] {
  const effective = effectiveAllocation(settings);
  for (const kind of Object.keys(effective) as (keyof typeof effective)[]) {
    effective[kind] = Math.min(effective[kind], decision.resources[kind].percent);
  }
  return effective;
}

/** A hardware reading at most `maxAgeMs` old, shared by every caller; a failed reading is not kept. */
export function cachedReading(read: () => Promise<HardwareInfo>, maxAgeMs: number): () => Promise<HardwareInfo> {
  let last: { at: number; value: Promise<HardwareInfo> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > maxAgeMs) {
      const reading = { at: now, value: read() };
      last = reading;
      reading.value.catch(() => {
        if (last === reading) last = undefined;
      });
    }
    return last.value;
  };
}

/** How old a hardware reading may be before the next call reads the machine again. */
export const HARDWARE_MAX_AGE_MS = 60_000;

/** The health warning shown while the stored settings could not be read (the defaults run instead). */
export function settingsRecoveredIssue(reason: string): HealthIssue {
  const message =
    `Stored settings could not be read (${reason}). Nothing is shared until you save settings again; ` +
    'the unreadable copy was kept in the database.';
  return { code: 'SETTINGS_RECOVERED', severity: 'warning', message };
}

/** The health error once a CA showed inconsistent transparency logs (TrustChain no longer trusts it). */
export function splitViewIssue(err: Error): HealthIssue {
  const message = `A certificate authority showed inconsistent transparency logs and is no longer trusted: ${err.message}`;
  return { code: 'TRUST_SPLIT_VIEW', severity: 'error', message };
}

/** Adds `issue` unless one with its code is there; true when it was added. */
export function addIssueOnce(health: HealthIssue[], issue: HealthIssue): boolean {
  if (health.some((h) => h.code === issue.code)) return false;
  health.push(issue);
  return true;
}
