#!/usr/bin/env node
// Copies this machine's Node runtime to native-cache/node-runtime/bin/, which electron-builder.yml ships as
// resources/node/bin/ (extraResources): the desktop app runs GPU job children on it, since Electron cannot load the
// webgpu package (docs/vm.md, "The desktop app"). The runtime is the build machine's, so a package is built on
// the platform and architecture it targets (as better-sqlite3's Electron build already requires).
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'native-cache', 'node-runtime', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
mkdirSync(dirname(target), { recursive: true });
copyFileSync(process.execPath, target);
chmodSync(target, 0o755);
process.stdout.write(
  `shipping Node ${process.version} (${process.platform}-${process.arch}) for GPU jobs: ${target}\n`,
);
