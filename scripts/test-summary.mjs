// Prints one closing line for the whole test run, from the unit and mesh (Vitest) and e2e (Playwright) JSON reports.
import { existsSync, readFileSync } from 'node:fs';

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);
const unit = read('reports/unit.json');
const mesh = read('reports/mesh.json');
const e2e = read('reports/e2e.json');
if (!unit || !mesh || !e2e) {
  console.error('test summary: a report is missing (reports/unit.json, reports/mesh.json, reports/e2e.json)');
  process.exit(1);
}
const passed = unit.numPassedTests + mesh.numPassedTests + e2e.stats.expected + e2e.stats.flaky;
const failed = unit.numFailedTests + mesh.numFailedTests + e2e.stats.unexpected;
const skipped = unit.numPendingTests + unit.numTodoTests + mesh.numPendingTests + mesh.numTodoTests + e2e.stats.skipped;
console.log(
  `unit: ${unit.numPassedTests} passed, mesh: ${mesh.numPassedTests} passed, e2e: ${e2e.stats.expected} passed`,
);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
