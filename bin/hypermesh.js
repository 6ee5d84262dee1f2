#!/usr/bin/env node
// Entry point of the `hypermesh` command: runs the built CLI (npm run build makes out/node/cli.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../out/node/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('hypermesh: not built yet; run "npm run build" in the project folder first\n');
  process.exit(1);
}
const { runCli } = await import(cli.href);
process.exit(await runCli(process.argv.slice(2)));
