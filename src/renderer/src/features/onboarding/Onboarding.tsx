import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { PRIVACY_LEVEL_INFO } from '../../../../shared/privacy';
import { PRIVACY_LEVELS, RESOURCE_KINDS, type Settings } from '../../../../shared/settings';
import type { HardwareInfo } from '../../../../shared/hardware';
import type { BenchmarkView } from '../../../../shared/benchmark';
import { Banner } from '../../components/Banner';
import { RadioGroup } from '../../components/RadioGroup';
import { useApp } from '../../store';
import { RESOURCE_TITLES, capacityText } from '../sharing/SharingPage';
import { BenchmarkPanel, useBenchmark } from './BenchmarkPanel';
import { EarningsPreview } from './EarningsPreview';
import {
  ONBOARDING_STEPS,
  STEP_TITLES,
  choicesFrom,
  finishPatch,
  skipPatch,
  type OnboardingChoices,
  type OnboardingStep,
} from './onboarding';
import './onboarding.css';

type Edit = (change: Partial<OnboardingChoices>) => void;

export function Welcome() {
  return (
    <>
      <p>
        HyperMesh lets you lend the parts of this computer you are not using — processor, graphics card, memory, disk
        space and network — to other people&apos;s computers on a peer-to-peer network, and earn Caesar for what they
        use.
      </p>
      <p>
        You decide who may use it (the privacy level), how much (a share of each part), and when (for example only while
        you are away). Nothing is shared until you say so, and you can pause everything at any time.
      </p>
    </>
  );
}

function Preview(props: { view: BenchmarkView | undefined; choices: OnboardingChoices }) {
  const capacity = props.view?.result?.capacity;
  if (!capacity) {
    return (
      <p className="note" data-testid="preview-needs-benchmark">
        The earnings preview needs this machine&apos;s capacity: run the benchmark to see it.
      </p>
    );
  }
  return (
    <EarningsPreview capacity={capacity} allocation={props.choices.allocation} level={props.choices.privacyLevel} />
  );
}

export function PrivacyStep(props: { choices: OnboardingChoices; edit: Edit; bench: ReturnType<typeof useBenchmark> }) {
  const { choices, edit } = props;
  return (
    <>
      <RadioGroup
        legend="Who may use what you share"
        name="onboarding-level"
        options={PRIVACY_LEVELS}
        value={choices.privacyLevel}
        onChange={(level) => edit({ privacyLevel: level })}
        testId={(level) => `level-${level}`}
        label={(level) => (
          <>
            <strong>{PRIVACY_LEVEL_INFO[level].title}</strong> — {PRIVACY_LEVEL_INFO[level].summary}
            {level === 'Private' && ' Earns nothing.'}
          </>
        )}
      />
      <BenchmarkPanel {...props.bench} />
      <Preview view={props.bench.view} choices={choices} />
    </>
  );
}

const RULE_CHOICES = [
  ['onlyWhenIdle', 'Only while I am away from the computer (idle)'],
  ['notOnBattery', 'Not while on battery (no CPU or GPU sharing)'],
  ['notWhileGaming', 'Not while a full-screen app such as a game is in front (no CPU or GPU sharing)'],
] as const;

export function ShareStep(props: {
  choices: OnboardingChoices;
  edit: Edit;
  hardware: HardwareInfo | undefined;
  view: BenchmarkView | undefined;
}) {
  const { choices, edit } = props;
  const ids = useId();
  return (
    <>
      {choices.privacyLevel === 'Private' && (
        <p className="note">At the Private level these shares are kept but nothing is shared.</p>
      )}
      {RESOURCE_KINDS.map((kind) => (
        <div key={kind} className="share-row">
          <label htmlFor={`${ids}-${kind}`}>{RESOURCE_TITLES[kind]}</label>
          <input
            id={`${ids}-${kind}`}
            data-testid={`onboarding-share-${kind}`}
            type="range"
            min={0}
            max={100}
            value={choices.allocation[kind]}
            aria-valuetext={capacityText(kind, choices.allocation[kind], props.hardware)}
            onChange={(e) => edit({ allocation: { ...choices.allocation, [kind]: Number(e.target.value) } })}
          />
          <output htmlFor={`${ids}-${kind}`}>{capacityText(kind, choices.allocation[kind], props.hardware)}</output>
        </div>
      ))}
      <fieldset>
        <legend>When to share</legend>
        {RULE_CHOICES.map(([key, label]) => (
          <label key={key} className="check">
            <input
              type="checkbox"
              data-testid={`onboarding-${key}`}
              checked={choices[key]}
              onChange={(e) => edit({ [key]: e.target.checked })}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <Preview view={props.view} choices={choices} />
    </>
  );
}

export function FinishStep(props: { choices: OnboardingChoices }) {
  const { choices } = props;
  const shares = RESOURCE_KINDS.map((k) => `${RESOURCE_TITLES[k]} ${choices.allocation[k]} %`).join(', ');
  return (
    <>
      <p>
        Privacy level: <strong>{PRIVACY_LEVEL_INFO[choices.privacyLevel].title}</strong>. Shares: {shares}.
      </p>
      <p>
        Finishing saves these choices; the Dashboard then shows what is shared and what it earns. Change them any time
        on the Sharing page, and open this guide again from Settings.
      </p>
    </>
  );
}

/** Keeps Tab inside the dialog (aria-modal): from the last control to the first, and back with Shift+Tab. */
function trapTab(e: KeyboardEvent<HTMLDivElement>): void {
  if (e.key !== 'Tab') return;
  const controls = [...e.currentTarget.querySelectorAll<HTMLElement>('button, input, select, a[href]')].filter(
    (c) => !c.hasAttribute('disabled'),
  );
  const edge = e.shiftKey ? controls[0] : controls.at(-1);
  if (document.activeElement !== edge && document.activeElement !== e.currentTarget.querySelector('h1')) return;
  e.preventDefault();
  (e.shiftKey ? controls.at(-1) : controls[0])?.focus();
}

/** The first-run guide: a modal dialog over the app, every step skippable; shown while onboardingCompletedAt is null. */
export function Onboarding(props: { settings: Settings }) {
  const hardware = useApp((s) => s.hardware);
  const applyNow = useApp((s) => s.applyNow);
  const [step, setStep] = useState<OnboardingStep>('welcome');
  const [choices, setChoices] = useState(() => choicesFrom(props.settings));
  const [error, setError] = useState<string | null>(null);
  const bench = useBenchmark();
  const heading = useRef<HTMLHeadingElement>(null);
  const ids = useId();
  const index = ONBOARDING_STEPS.indexOf(step);
  useEffect(() => heading.current?.focus(), [step]);

  const save = async (patch: Parameters<typeof applyNow>[0], then?: () => void) => {
    const refused = await applyNow(patch);
    setError(refused ? refused.message : null);
    if (!refused) then?.();
  };
  // Skipping leaves the guide, and its benchmark too: nothing the user no longer sees keeps taking their CPU.
  const skip = () => {
    if (bench.view?.state === 'running') bench.cancel();
    void save(skipPatch(new Date()));
  };
  const finish = () =>
    void save(finishPatch(choices, props.settings, new Date()), () => (window.location.hash = '#/dashboard'));
  const edit: Edit = (change) => setChoices((c) => ({ ...c, ...change }));
  const go = (delta: number) => setStep(ONBOARDING_STEPS[index + delta] ?? step);

  return (
    <div className="onboarding-backdrop">
      <div
        className="onboarding card"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${ids}-title`}
        data-testid="onboarding"
        onKeyDown={(e) => (e.key === 'Escape' ? skip() : trapTab(e))}
      >
        <p className="note">
          Step {index + 1} of {ONBOARDING_STEPS.length}
        </p>
        <h1 id={`${ids}-title`} ref={heading} tabIndex={-1}>
          {STEP_TITLES[step]}
        </h1>
        {step === 'welcome' && <Welcome />}
        {step === 'privacy' && <PrivacyStep choices={choices} edit={edit} bench={bench} />}
        {step === 'share' && <ShareStep choices={choices} edit={edit} hardware={hardware} view={bench.view} />}
        {step === 'finish' && <FinishStep choices={choices} />}
        {error && <Banner severity="error">Not saved: {error}</Banner>}
        <div className="onboarding-actions">
          <button type="button" onClick={skip}>
            Skip the guide
          </button>
          {index > 0 && (
            <button type="button" onClick={() => go(-1)}>
              Back
            </button>
          )}
          {step === 'finish' ? (
            <button type="button" className="primary" onClick={finish}>
              Finish and open the Dashboard
            </button>
          ) : (
            <button type="button" className="primary" onClick={() => go(1)}>
              Next
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
