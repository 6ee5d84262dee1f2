import { runCli } from '../cli';

/** Runs the CLI in this process, as a test would type it, and returns its exit status and what it printed. */
export async function runCliCaptured(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
