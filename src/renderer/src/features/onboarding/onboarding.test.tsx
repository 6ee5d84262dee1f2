import { renderToStaticMarkup } from 'react-dom/server';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { createNodeApiClient } from '../../../../shared/api/client';
import type { BenchmarkView } from '../../../../shared/benchmark';
import {
  DEFAULT_SETTINGS,
  applySettingsPatch,
  validateSettingsPatch,
  type Settings,
} from '../../../../shared/settings';
import { ApiContext } from '../../api/context';
import { StoreContext, createAppStore } from '../../store';
import { BenchmarkPanel } from './BenchmarkPanel';
import { FinishStep, Onboarding, PrivacyStep, ShareStep } from './Onboarding';
import { SUGGESTED_ALLOCATION, benchmarkLine, choicesFrom, finishPatch, skipPatch } from './onboarding';

const GIB = 1024 ** 3;
const NOW = new Date('2026-12-07T12:00:00.000Z');

// The real client over a carrier that reaches no node: static rendering runs no effect, so nothing is called.
const api = createNodeApiClient(async () => ({ ok: false, error: { code: 'NODE_NOT_RUNNING', message: 'no node' } }));

function render(node: ReactNode): string {
  return renderToStaticMarkup(
    <ApiContext.Provider value={api}>
      <StoreContext.Provider value={createAppStore(api)}>{node}</StoreContext.Provider>
    </ApiContext.Provider>,
  );
}

const done: BenchmarkView = {
  state: 'done',
  progress: 1,
  step: null,
  failure: null,
  measuredAt: NOW.toISOString(),
  result: {
    cpuIntegerMops: 900,
    cpuFloatMflops: 400,
    memoryBytesPerSec: 5 * GIB,
    storageWriteBytesPerSec: 0.5 * GIB,
    storageReadBytesPerSec: GIB,
    durationMs: 20_000,
    capacity: {
      cpuCores: 8,
      memoryBytes: 32 * GIB,
      storageBytes: 400 * GIB,
      gpuMemoryBytes: null,
      bandwidthBitsPerSec: 1e9,
    },
  },
};
const idle: BenchmarkView = { ...done, state: 'idle', progress: 0, result: null, measuredAt: null };
const running: BenchmarkView = { ...idle, state: 'running', progress: 0.42, step: 'memory' };
const bench = (view: BenchmarkView | undefined, refused: string | null = null) => ({
  view,
  refused,
  start: () => undefined,
  cancel: () => undefined,
});

describe('the welcome guide’s choices', () => {
  it('start from the node’s shares, or a modest suggestion when nothing is shared yet', () => {
    expect(choicesFrom(DEFAULT_SETTINGS)).toEqual({
      privacyLevel: 'Private',
      allocation: SUGGESTED_ALLOCATION,
      onlyWhenIdle: false,
      notOnBattery: true,
      notWhileGaming: false,
    });
    const sharing: Settings = { ...DEFAULT_SETTINGS, allocation: { ...DEFAULT_SETTINGS.allocation, memory: 30 } };
    expect(choicesFrom(sharing).allocation.memory).toBe(30);
    expect(choicesFrom(sharing).allocation.cpu).toBe(0);
  });

  it('finish as a valid settings patch: level, shares, the when-to-share rules and the time', () => {
    const choices = { ...choicesFrom(DEFAULT_SETTINGS), privacyLevel: 'P2P' as const, onlyWhenIdle: true };
    const patch = finishPatch({ ...choices, notWhileGaming: true, notOnBattery: false }, DEFAULT_SETTINGS, NOW);
    expect(validateSettingsPatch(patch)).toEqual({
      privacyLevel: 'P2P',
      allocation: SUGGESTED_ALLOCATION,
      rules: {
        inUseAllocation: { cpu: 0, gpu: 0, memory: 0, storage: 0, bandwidth: 0 },
        suspendOnBattery: false,
        pauseOnFullScreen: true,
      },
      app: { onboardingCompletedAt: NOW.toISOString() },
    });
    // Unticking "only when idle" on a node that had it brings the in-use shares back to 100 %.
    const wasIdleOnly = applySettingsPatch(DEFAULT_SETTINGS, finishPatch(choices, DEFAULT_SETTINGS, NOW));
    expect(choicesFrom(wasIdleOnly).onlyWhenIdle).toBe(true);
    expect(finishPatch({ ...choices, onlyWhenIdle: false }, wasIdleOnly, NOW).rules?.inUseAllocation?.cpu).toBe(100);
    expect(validateSettingsPatch(skipPatch(NOW))).toEqual({ app: { onboardingCompletedAt: NOW.toISOString() } });
  });

  it('say where the benchmark is, as the node answered', () => {
    expect(benchmarkLine(undefined)).toMatch(/Asking the node/);
    expect(benchmarkLine(idle)).toMatch(/Not run yet: the earnings preview needs it/);
    expect(benchmarkLine(running)).toBe('Measuring memory speed — 42 %');
    expect(benchmarkLine({ ...running, state: 'cancelled', step: null })).toBe(
      'Cancelled at 42 %. Run it to see the preview.',
    );
    expect(benchmarkLine({ ...idle, state: 'failed', failure: 'disk full' })).toBe('The benchmark failed: disk full.');
    expect(benchmarkLine(done)).toMatch(/^Measured /);
  });
});

describe('the welcome guide', () => {
  it('is a labelled modal dialog, step 1 of 4, that can be skipped', () => {
    const html = render(<Onboarding settings={DEFAULT_SETTINGS} />);
    expect(html).toMatch(/role="dialog" aria-modal="true" aria-labelledby="([^"]+)"/);
    const labelledBy = /aria-labelledby="([^"]+)"/.exec(html)?.[1];
    expect(html).toContain(`id="${labelledBy}" tabindex="-1">Welcome to HyperMesh</h1>`);
    expect(html).toContain('Step 1 of 4');
    expect(html).toContain('>Skip the guide</button>');
    expect(html).toContain('>Next</button>');
    expect(html).not.toContain('>Back</button>');
  });

  it('asks for the benchmark before it shows a preview, and shows its progress and Cancel while it runs', () => {
    const choices = choicesFrom(DEFAULT_SETTINGS);
    const before = render(<PrivacyStep choices={choices} edit={() => undefined} bench={bench(idle)} />);
    expect(before).toContain('data-testid="preview-needs-benchmark"');
    expect(before).toContain('>Run the benchmark</button>');
    expect(before).not.toContain('earnings-preview');

    const during = render(<BenchmarkPanel {...bench(running)} />);
    expect(during).toContain('<progress data-testid="benchmark-progress" max="1" value="0.42"');
    expect(during).toContain('>Cancel the benchmark</button>');

    const refused = render(<BenchmarkPanel {...bench(idle, 'The benchmark does not run while sharing')} />);
    expect(refused).toContain('role="alert"');
  });

  it('shows the preview per level once measured, Private at 0 and the chosen level marked', () => {
    const choices = { ...choicesFrom(DEFAULT_SETTINGS), privacyLevel: 'FullPublic' as const };
    const html = render(<PrivacyStep choices={choices} edit={() => undefined} bench={bench(done)} />);
    // Suggested shares: 2 cores × 2 + 8 GiB × 1.5 + 40 GiB × 1.2 + 100 Mbit/s × 1 = 65 Caesar per hour at FullPublic.
    expect(html).toMatch(
      /data-testid="preview-FullPublic"[^>]*><th scope="row">Fully public \(chosen\)<\/th><td>≈ 65 Caesar<\/td>/,
    );
    expect(html).toMatch(/data-testid="preview-P2P"[^>]*><th scope="row">Trusted peers<\/th><td>≈ 32.5 Caesar<\/td>/);
    expect(html).toMatch(/data-testid="preview-Private"[^>]*><th scope="row">Private<\/th><td>≈ 0 Caesar<\/td>/);
    expect(html).toContain('An estimate, not a promise');
  });

  it('offers the shares and the when-to-share rules, and sums the choices up at the end', () => {
    const choices = { ...choicesFrom(DEFAULT_SETTINGS), notWhileGaming: true };
    const html = render(<ShareStep choices={choices} edit={() => undefined} hardware={undefined} view={done} />);
    expect(html).toContain('data-testid="onboarding-share-cpu"');
    expect(html).toMatch(/data-testid="onboarding-notWhileGaming" checked=""/);
    expect(html).not.toMatch(/data-testid="onboarding-onlyWhenIdle" checked=""/);
    expect(html).toContain('these shares are kept but nothing is shared');
    expect(render(<FinishStep choices={choices} />)).toContain('Privacy level: <strong>Private</strong>');
  });
});
