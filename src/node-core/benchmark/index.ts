export { Benchmark, BenchmarkRefusedError, type BenchmarkOptions } from './benchmark';
export { benchmarkApi, nodeBenchmark } from './api';
