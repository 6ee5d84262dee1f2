import type { BenchmarkStep, BenchmarkView } from '../../../../shared/benchmark';
import {
  RESOURCE_KINDS,
  type PrivacyLevel,
  type ResourceKind,
  type Settings,
  type SettingsPatch,
} from '../../../../shared/settings';

/** The welcome guide's steps, in order (docs/onboarding.md). */
export const ONBOARDING_STEPS = ['welcome', 'privacy', 'share', 'finish'] as const;
export type OnboardingStep = (typeof ONBOARDING_STEPS)[number];

export const STEP_TITLES: Readonly<Record<OnboardingStep, string>> = {
  welcome: 'Welcome to HyperMesh',
  privacy: 'Choose a privacy level',
  share: 'Choose what to share',
  finish: 'You are set',
};

/** What the user picks in the guide; saved through updateSettings only when they finish. */
export interface OnboardingChoices {
  readonly privacyLevel: PrivacyLevel;
  readonly allocation: Readonly<Record<ResourceKind, number>>;
  /** Share only while the computer is idle: the in-use share of every resource is 0. */
  readonly onlyWhenIdle: boolean;
  /** No CPU or GPU sharing on battery (rules.suspendOnBattery). */
  readonly notOnBattery: boolean;
  /** No CPU or GPU sharing while a full-screen app, such as a game, is in front (rules.pauseOnFullScreen). */
  readonly notWhileGaming: boolean;
}

/**
 * The shares the guide starts from: the node's own when any is set, else a modest suggestion (a quarter of the CPU,
 * GPU and memory, a tenth of storage and bandwidth) so the preview has something to show; nothing is saved until
 * the user finishes.
 */
export const SUGGESTED_ALLOCATION: Readonly<Record<ResourceKind, number>> = {
  cpu: 25,
  gpu: 25,
  memory: 25,
  storage: 10,
  bandwidth: 10,
};

export function choicesFrom(settings: Settings): OnboardingChoices {
  const anyShare = RESOURCE_KINDS.some((k) => settings.allocation[k] > 0);
  return {
    privacyLevel: settings.privacyLevel,
    allocation: anyShare ? settings.allocation : SUGGESTED_ALLOCATION,
    onlyWhenIdle: RESOURCE_KINDS.every((k) => settings.rules.inUseAllocation[k] === 0),
    notOnBattery: settings.rules.suspendOnBattery,
    notWhileGaming: settings.rules.pauseOnFullScreen,
  };
}

const perResource = (value: number) =>
  Object.fromEntries(RESOURCE_KINDS.map((k) => [k, value])) as Record<ResourceKind, number>;

/** The settings the guide saves when finished, with the time it was. */
export function finishPatch(choices: OnboardingChoices, settings: Settings, now: Date): SettingsPatch {
  const keepInUse = RESOURCE_KINDS.some((k) => settings.rules.inUseAllocation[k] === 0);
  return {
    privacyLevel: choices.privacyLevel,
    allocation: { ...choices.allocation },
    rules: {
      // Unticking "only when idle" brings back the node's in-use shares (all 100 % unless the user set them).
      inUseAllocation: choices.onlyWhenIdle
        ? perResource(0)
        : keepInUse
          ? perResource(100)
          : { ...settings.rules.inUseAllocation },
      suspendOnBattery: choices.notOnBattery,
      pauseOnFullScreen: choices.notWhileGaming,
    },
    app: { onboardingCompletedAt: now.toISOString() },
  };
}

/** Skipping saves nothing but that the guide was seen. */
export function skipPatch(now: Date): SettingsPatch {
  return { app: { onboardingCompletedAt: now.toISOString() } };
}

export const BENCHMARK_STEP_TITLES: Readonly<Record<BenchmarkStep, string>> = {
  'cpu-integer': 'CPU, whole-number work',
  'cpu-float': 'CPU, decimal work',
  memory: 'memory speed',
  storage: 'storage speed',
  hardware: 'GPU and network',
};

/** One line that says where the benchmark is, true of the node's answer. */
export function benchmarkLine(view: BenchmarkView | undefined): string {
  if (!view) return 'Asking the node about its benchmark…';
  const pct = `${Math.round(view.progress * 100)} %`;
  switch (view.state) {
    case 'running':
      return `Measuring ${view.step ? BENCHMARK_STEP_TITLES[view.step] : ''} — ${pct}`;
    case 'cancelled':
      return `Cancelled at ${pct}. ${view.result ? 'The preview uses the last complete run.' : 'Run it to see the preview.'}`;
    case 'failed':
      return `The benchmark failed: ${view.failure ?? 'no reason given'}.`;
    case 'done':
    case 'idle':
      return view.result
        ? `Measured ${new Date(view.measuredAt ?? '').toLocaleString()}.`
        : 'Not run yet: the earnings preview needs it (about 20 seconds, at low priority).';
  }
}
