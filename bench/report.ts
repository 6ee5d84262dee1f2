import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform } from 'node:os';

/**
 * Quick mode (`npm run bench -- --quick` sets BENCH_QUICK=1): every benchmark at a small size, as a check that it
 * still runs to the end and writes its ratios. Its figures are a smoke check, never a result to quote, so they go
 * to reports/bench-quick/ and leave the full results in bench/results/ alone.
 */
export const QUICK = process.env.BENCH_QUICK === '1';

/** A benchmark's size: `full` normally, `quick` in quick mode. */
export function sized(full: number, quick: number): number {
  return QUICK ? quick : full;
}

/** Where results go: bench/results/ for a full run, reports/bench-quick/ for a quick one. */
export const RESULTS_DIR = QUICK ? 'reports/bench-quick' : 'bench/results';

export interface Figure {
  readonly value: number;
  readonly unit: string;
}

/** Collects figures and ratios, prints them as a table and writes RESULTS_DIR/NAME.json. */
export class Report {
  readonly figures: Record<string, Figure> = {};
  readonly ratios: Record<string, number> = {};
  readonly notes: string[] = [];

  constructor(readonly name: string) {}

  figure(key: string, value: number, unit: string): number {
    this.figures[key] = { value: round(value), unit };
    console.log(`  ${key.padEnd(44)} ${String(round(value)).padStart(12)} ${unit}`);
    return value;
  }

  ratio(key: string, value: number): void {
    this.ratios[key] = round(value, 4);
  }

  note(text: string): void {
    this.notes.push(text);
    console.log(`  note: ${text}`);
  }

  write(): void {
    console.log('  ratios:');
    for (const [k, v] of Object.entries(this.ratios)) console.log(`  ${k.padEnd(44)} ${String(v).padStart(12)}`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const body = {
      name: this.name,
      quick: QUICK,
      machine: { cpus: cpus().length, node: process.version, platform: platform() },
      figures: this.figures,
      ratios: this.ratios,
      notes: this.notes,
    };
    writeFileSync(`${RESULTS_DIR}/${this.name}.json`, `${JSON.stringify(body, null, 2)}\n`);
    console.log(`  wrote ${RESULTS_DIR}/${this.name}.json`);
  }
}

function round(v: number, digits = 3): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
