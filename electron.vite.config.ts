import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import pkg from './package.json' with { type: 'json' };

// electron-vite reads Electron's major version (output format, Node and Chrome targets) from the installed `electron`
// package. Where its binary cannot be downloaded npm drops that optional package, so take the major version from the
// range package.json asks for: the bundles are the same, and main/preload simply cannot be run there.
function electronInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('electron/package.json');
    return true;
  } catch {
    return false;
  }
}
if (!process.env['ELECTRON_MAJOR_VER'] && !electronInstalled()) {
  const major = /\d+/.exec(pkg.optionalDependencies.electron)?.[0];
  if (major) process.env['ELECTRON_MAJOR_VER'] = major;
}

const define = { __HYPERMESH_VERSION__: JSON.stringify(pkg.version) };

// The built page carries its own Content-Security-Policy: the Electron window loads it from file://, where no
// server can add the header (the headless node's server sends the same policy as a header as well).
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'";
const cspMeta: Plugin = {
  name: 'hypermesh-csp',
  apply: 'build',
  transformIndexHtml: (html) =>
    html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
};

// Three Electron targets: main (embeds node-core), preload (contextBridge only, CommonJS for the sandbox),
// renderer (React). The renderer build is also what the headless node serves.
export default defineConfig({
  main: {
    define,
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    define,
    plugins: [react(), cspMeta],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } },
    },
  },
});
