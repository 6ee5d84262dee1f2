import { useCallback, useEffect, useState } from 'react';
import type { BenchmarkView } from '../../../../shared/benchmark';
import { useApi } from '../../api/context';
import { messageOf } from '../../state/kit';
import { benchmarkLine } from './onboarding';

/** How often the guide asks the node for the benchmark's progress while it runs. */
const POLL_MS = 500;

/** The node's benchmark, followed while it runs; `refused` is the node's refusal of the last start, as it said it. */
export function useBenchmark(): {
  view: BenchmarkView | undefined;
  refused: string | null;
  start: () => void;
  cancel: () => void;
} {
  const api = useApi();
  const [view, setView] = useState<BenchmarkView | undefined>();
  const [refused, setRefused] = useState<string | null>(null);
  const running = view?.state === 'running';
  useEffect(() => {
    let live = true;
    const read = () =>
      api.getBenchmark().then(
        (v) => live && setView(v),
        () => undefined,
      );
    void read();
    const timer = running ? setInterval(() => void read(), POLL_MS) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, running]);
  const start = useCallback(() => {
    setRefused(null);
    api.startBenchmark().then(setView, (err: unknown) => setRefused(messageOf(err)));
  }, [api]);
  const cancel = useCallback(() => void api.cancelBenchmark().then(setView, () => undefined), [api]);
  return { view, refused, start, cancel };
}

/** Run, progress and cancel, as BOINC's CPU benchmark shows them. */
export function BenchmarkPanel(props: ReturnType<typeof useBenchmark>) {
  const { view, refused } = props;
  const running = view?.state === 'running';
  return (
    <div className="benchmark-panel">
      <p role="status" data-testid="benchmark-status">
        {benchmarkLine(view)}
      </p>
      {running && (
        <progress
          data-testid="benchmark-progress"
          max={1}
          value={view.progress}
          aria-label="Benchmark progress"
          aria-valuetext={`${Math.round(view.progress * 100)} %`}
        />
      )}
      {refused && (
        <p className="field-error" role="alert" data-testid="benchmark-refused">
          {refused}
        </p>
      )}
      {running ? (
        <button type="button" onClick={props.cancel}>
          Cancel the benchmark
        </button>
      ) : (
        <button type="button" className="primary" onClick={props.start} disabled={!view}>
          {view?.result ? 'Measure again' : 'Run the benchmark'}
        </button>
      )}
    </div>
  );
}
