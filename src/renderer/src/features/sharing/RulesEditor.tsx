import { useId, type ReactNode } from 'react';
import { RESOURCE_KINDS, type Settings } from '../../../../shared/settings';
import type { SensorCode } from '../../../../shared/sharing-policy';
import { RULE_RANGES, WEEKDAYS, type SharingRules, type Weekday } from '../../../../shared/sharing-rules';
import { SENSOR_LABELS } from '../../../../shared/sharing-view';
import { RESOURCE_TITLES } from './sharing';

const DAY_TITLES: Readonly<Record<Weekday, string>> = {
  sun: 'Sunday',
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
};

/** A number field's text as a number, or null when empty (the rule is off); NaN is left for the node to refuse. */
function numberOrNull(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

/** Windows typed as "09:00-12:00, 13:00-17:30". */
export function parseWindowList(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((w) => w.trim())
    .filter((w) => w.length > 0);
}

/** Program names, one a line (blank lines dropped). */
export function parseProgramList(text: string): string[] {
  return text
    .split('\n')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** A rule that is on or off: a checkbox, then what it does. */
function RuleToggle(props: { on: boolean; turn: (on: boolean) => void; children: ReactNode }) {
  return (
    <label>
      <input type="checkbox" checked={props.on} onChange={(e) => props.turn(e.target.checked)} /> {props.children}
    </label>
  );
}

/**
 * The Sharing page's rules: the share while in use and when idle, battery, the user's CPU, exclusive programs,
 * full screen, the weekly schedule and temperature. Edits go to the page's draft; the node validates on save.
 */
export function RulesEditor(props: {
  readonly settings: Settings;
  readonly edit: (change: (s: Settings) => Settings) => void;
  readonly issues: readonly { path: string; message: string }[];
  /** What this OS does not let the rules see (from the status), to say so next to the rule. */
  readonly unavailable: readonly SensorCode[];
}) {
  const ids = useId();
  const rules = props.settings.rules;
  const set = (change: (r: SharingRules) => SharingRules) => props.edit((s) => ({ ...s, rules: change(s.rules) }));
  const missing = (code: SensorCode) =>
    props.unavailable.includes(code) ? <span className="explain"> ({SENSOR_LABELS[code]})</span> : null;
  const issues = props.issues.filter((i) => i.path.startsWith('rules'));
  return (
    <section className="card" aria-labelledby={`${ids}-rules`} data-testid="sharing-rules">
      <h2 id={`${ids}-rules`}>Rules that follow you</h2>
      <p className="explain">
        The shares above apply when the computer is idle. These rules lower them while you use it, on battery, when you
        are busy, in a game, outside your schedule or when it runs hot. Running work is slowed or paused, never killed,
        and resumes when the rule lets go.
      </p>
      <fieldset>
        <legend>While you use the computer</legend>
        <label>
          Idle after{' '}
          <input
            type="number"
            aria-label="Idle after minutes"
            min={RULE_RANGES.idleAfterMinutes.min}
            max={RULE_RANGES.idleAfterMinutes.max}
            value={rules.idleAfterMinutes}
            onChange={(e) => set((r) => ({ ...r, idleAfterMinutes: Number(e.target.value) }))}
          />{' '}
          minutes without input{missing('idle-time')}
        </label>
        <label>
          Where the system cannot tell, treat the computer as{' '}
          <select
            aria-label="When idle time is unknown"
            value={rules.idleWhenUnknown}
            onChange={(e) => set((r) => ({ ...r, idleWhenUnknown: e.target.value === 'idle' ? 'idle' : 'in-use' }))}
          >
            <option value="in-use">in use</option>
            <option value="idle">idle</option>
          </select>
        </label>
        <ul className="resource-list">
          {RESOURCE_KINDS.map((kind) => (
            <li key={kind}>
              <label>
                {RESOURCE_TITLES[kind]} while in use{' '}
                <input
                  type="number"
                  data-testid={`in-use-${kind}`}
                  min={0}
                  max={100}
                  value={rules.inUseAllocation[kind]}
                  onChange={(e) =>
                    set((r) => ({
                      ...r,
                      inUseAllocation: { ...r.inUseAllocation, [kind]: Number(e.target.value) },
                    }))
                  }
                />{' '}
                % of the computer
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <RuleToggle on={rules.suspendOnBattery} turn={(on) => set((r) => ({ ...r, suspendOnBattery: on }))}>
        Suspend CPU and GPU sharing on battery{missing('battery')}
      </RuleToggle>
      <label>
        Suspend CPU and GPU sharing while my own programs use more than{' '}
        <input
          type="number"
          aria-label="Your CPU limit percent"
          data-testid="rule-user-cpu"
          min={1}
          max={100}
          placeholder="off"
          value={rules.maxUserCpuPercent ?? ''}
          onChange={(e) => set((r) => ({ ...r, maxUserCpuPercent: numberOrNull(e.target.value) }))}
        />{' '}
        % CPU (empty: off){missing('user-cpu')}
      </label>
      <label>
        Pause while these programs run (one a line){missing('processes')}
        <textarea
          aria-label="Exclusive programs"
          rows={3}
          value={rules.exclusivePrograms.join('\n')}
          onChange={(e) => set((r) => ({ ...r, exclusivePrograms: parseProgramList(e.target.value) }))}
        />
      </label>
      <RuleToggle on={rules.pauseOnFullScreen} turn={(on) => set((r) => ({ ...r, pauseOnFullScreen: on }))}>
        Pause while a full-screen app is in front{missing('full-screen')}
      </RuleToggle>
      <fieldset>
        <legend>Schedule</legend>
        <RuleToggle
          on={rules.schedule.enabled}
          turn={(on) => set((r) => ({ ...r, schedule: { ...r.schedule, enabled: on } }))}
        >
          Share only at these times (local time, e.g. 09:00-12:00, 18:00-24:00)
        </RuleToggle>
        {WEEKDAYS.map((day) => (
          // Keyed by the value: a discarded draft or a reload shows the stored windows again.
          <label key={`${day}:${rules.schedule.days[day].join(',')}`} className="schedule-day">
            {DAY_TITLES[day]}{' '}
            <input
              type="text"
              data-testid={`schedule-${day}`}
              disabled={!rules.schedule.enabled}
              defaultValue={rules.schedule.days[day].join(', ')}
              onBlur={(e) =>
                set((r) => ({
                  ...r,
                  schedule: { ...r.schedule, days: { ...r.schedule.days, [day]: parseWindowList(e.target.value) } },
                }))
              }
            />
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Temperature</legend>
        {(['cpu', 'gpu'] as const).map((kind) => (
          <label key={kind}>
            Lower the {RESOURCE_TITLES[kind]} share step by step from{' '}
            <input
              type="number"
              aria-label={`${RESOURCE_TITLES[kind]} temperature threshold`}
              min={RULE_RANGES.temperatureC.min}
              max={RULE_RANGES.temperatureC.max}
              placeholder="off"
              value={rules.temperature[kind === 'cpu' ? 'cpuThresholdC' : 'gpuThresholdC'] ?? ''}
              onChange={(e) =>
                set((r) => ({
                  ...r,
                  temperature: {
                    ...r.temperature,
                    [kind === 'cpu' ? 'cpuThresholdC' : 'gpuThresholdC']: numberOrNull(e.target.value),
                  },
                }))
              }
            />{' '}
            °C{missing(kind === 'cpu' ? 'cpu-temperature' : 'gpu-temperature')}
          </label>
        ))}
      </fieldset>
      {issues.length > 0 && (
        <ul className="field-error" data-testid="rules-errors">
          {issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>{i.message}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
