import type { NodeApi } from '../../shared/api/contract';
import type { ApiPartContext } from '../api/index';
import type { BenchmarkView } from '../../shared/benchmark';
import type { HardwareInfo } from '../../shared/hardware';
import type { Settings } from '../../shared/settings';
import { Benchmark } from './benchmark';

/** The node's benchmark: its result kept in the data folder, every change pushed as the `benchmark` event. */
export function nodeBenchmark(
  dataDir: string,
  events: { emit(event: 'benchmark', view: BenchmarkView): void },
  settings: () => Settings,
  hardware: () => Promise<HardwareInfo>,
): Benchmark {
  return new Benchmark({ dataDir, settings, hardware, onChange: (view) => events.emit('benchmark', view) });
}

/** The capacity benchmark's part of the NodeApi; the benchmark exists as long as the node does. */
export function benchmarkApi(
  ctx: ApiPartContext<Benchmark>,
): Pick<NodeApi, 'startBenchmark' | 'cancelBenchmark' | 'getBenchmark'> {
  const benchmark = (): Benchmark => {
    ctx.ensureRunning();
    return ctx.get() as Benchmark;
  };
  return {
    startBenchmark: async () => benchmark().start(),
    cancelBenchmark: async () => benchmark().cancel(),
    getBenchmark: async () => benchmark().view(),
  };
}
