import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../../shared/settings';
import type { ResourceShareView, SharingView } from '../../../../shared/sharing-view';
import { AllowedVsUsed, PauseControl } from './SharingNow';
import { RulesEditor, parseProgramList, parseWindowList } from './RulesEditor';
import { shareRows, sharingHeadline } from './sharing';

const GIB = 1024 ** 3;

/** A resource's row of the view: present, nothing shared, used or leased, no reason; `row` says what differs. */
function share(row: Partial<ResourceShareView> & Pick<ResourceShareView, 'kind' | 'unit'>): ResourceShareView {
  return {
    present: true,
    configuredPercent: 0,
    allowedPercent: 0,
    allowed: 0,
    used: 0,
    usedSource: 'leased',
    leased: 0,
    reasons: [],
    ...row,
  };
}

const view: SharingView = {
  state: 'limited',
  reasons: ['on-battery', 'in-use'],
  pausedUntil: null,
  idle: false,
  unavailable: ['cpu-temperature', 'gpu-temperature'],
  allowedCores: 0,
  evaluatedAt: '2026-12-07T10:00:00.000Z',
  resources: [
    share({
      kind: 'cpu',
      unit: 'cores',
      configuredPercent: 25,
      used: null,
      usedSource: 'none',
      leased: 1,
      reasons: ['on-battery'],
    }),
    share({
      kind: 'memory',
      unit: 'bytes',
      configuredPercent: 20,
      allowedPercent: 10,
      allowed: 3.2 * GIB,
      used: GIB,
      leased: GIB,
      reasons: ['in-use'],
    }),
    share({
      kind: 'gpu',
      unit: 'bytes',
      present: false,
      absentCode: 'no-gpu',
      absent: 'no GPU detected on this machine',
      allowed: null,
    }),
  ],
};

describe('allowed vs used on the Dashboard', () => {
  it('says per resource what is allowed, what peers use and why it is lower', () => {
    expect(shareRows(view).map((r) => [r.title, r.allowed, r.used, r.why])).toEqual([
      ['CPU', '0 cores (0 %)', 'not measured yet', 'on battery'],
      ['Memory', '3.2 GiB (10 %)', '1 GiB leased', 'computer in use'],
      ['GPU', 'no GPU found', '—', ''],
    ]);
    expect(sharingHeadline(view, (t) => t)).toBe('Sharing less: on battery, computer in use');
    expect(sharingHeadline({ ...view, state: 'paused', pausedUntil: 'T' }, (t) => t)).toBe('Paused until T');
    const html = renderToStaticMarkup(<AllowedVsUsed view={view} />);
    expect(html).toContain('data-testid="allowance-cpu"');
    expect(html).toContain('CPU temperature not available');
  });

  it('offers the three snoozes while sharing, and Resume while paused', () => {
    const noop = () => undefined;
    const active = renderToStaticMarkup(<PauseControl view={view} busy={false} onPause={noop} onResume={noop} />);
    expect(active).toContain('Pause for 1 hour');
    expect(active).toContain('Pause until tomorrow');
    expect(active).toContain('Pause until I resume');
    const paused = renderToStaticMarkup(
      <PauseControl view={{ ...view, state: 'paused' }} busy={false} onPause={noop} onResume={noop} />,
    );
    expect(paused).toContain('Resume sharing');
    expect(paused).not.toContain('Pause for 1 hour');
  });
});

describe('the rules on the Sharing page', () => {
  it('shows each rule, what the OS cannot tell, and the node’s errors', () => {
    const html = renderToStaticMarkup(
      <RulesEditor
        settings={DEFAULT_SETTINGS}
        edit={() => undefined}
        issues={[{ path: 'rules.schedule.days.mon', message: 'the windows 09:00-12:00 and 11:00-13:00 overlap' }]}
        unavailable={['cpu-temperature', 'full-screen']}
      />,
    );
    for (const text of [
      'Suspend CPU and GPU sharing on battery',
      'Pause while these programs run',
      'Share only at these times',
      'CPU temperature not available',
      'full-screen apps cannot be seen here',
      'the windows 09:00-12:00 and 11:00-13:00 overlap',
    ]) {
      expect(html).toContain(text);
    }
    expect(parseWindowList('09:00-12:00, 13:00-17:30;18:00-24:00')).toEqual([
      '09:00-12:00',
      '13:00-17:30',
      '18:00-24:00',
    ]);
    expect(parseProgramList('game.exe\n\n  steam \n')).toEqual(['game.exe', 'steam']);
  });
});
