import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Import boundaries of the architecture: shared ← node-core ← main, shared ← renderer, preload → shared. */
const forbid = (...groups) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: groups.map((g) =>
        g.regex ? { regex: g.regex, message: g.message } : { group: g.patterns, message: g.message },
      ),
    },
  ],
});
/**
 * A relative import that climbs out of its folder into another node-core folder and names a file there, not its
 * index: '../ledger/wallet', '../../transport/stoq/rpc'. Climbing into src/shared ('../../shared/…') is not one:
 * shared is not a node-core subsystem. A file's own subfolders ('./stoq/rpc') are its own subsystem's parts.
 */
const deepImport = String.raw`^(\.\./)+(?!shared/|index$)[a-z0-9-]+/(?!index$).+`;
const electron = { patterns: ['electron', 'electron/*'], message: 'only src/main and src/preload may use Electron' };
const nodeCore = { patterns: ['**/node-core', '**/node-core/**'], message: 'reach the node through the API contract' };
const renderer = { patterns: ['**/renderer/**'], message: 'the renderer is DOM-only code' };
const mainDir = { patterns: ['**/main/**', '**/main'], message: 'src/main is the Electron shell; nothing imports it' };
const react = {
  patterns: ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*'],
  message: 'UI libraries belong in src/renderer',
};
const nodeBuiltins = {
  patterns: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http'],
  message: 'no Node APIs here',
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      '.tsbuild/**',
      'node_modules/**',
      'bench/results/**',
      'native-cache/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // async is used on purpose so synchronous throws become rejections
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['src/shared/**'], rules: forbid(electron, nodeCore, renderer, mainDir, react, nodeBuiltins) },
  { files: ['src/node-core/**'], rules: forbid(electron, renderer, mainDir, react) },
  // Each node-core subsystem (a folder) has one entry, its index.ts: another subsystem never reaches past it. Tests
  // and test helpers may (they test the parts). docs/architecture.md, "Subsystems and their entries".
  {
    files: ['src/node-core/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing.ts', 'src/node-core/testing/**'],
    rules: forbid(electron, renderer, mainDir, react, {
      regex: deepImport,
      message: "import another subsystem through its index.ts (its only entry), e.g. '../ledger/index'",
    }),
  },
  {
    // The files at node-core's top (node.ts, cli.ts, …) wire the subsystems, through their entries too.
    files: ['src/node-core/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: forbid(electron, renderer, mainDir, react, {
      regex: String.raw`^\./[a-z0-9-]+/(?!index$).+`,
      message: "import a subsystem through its index.ts (its only entry), e.g. './ledger/index'",
    }),
  },
  { files: ['src/main/**'], rules: forbid(renderer, react) },
  { files: ['src/preload/**'], rules: forbid(nodeCore, renderer, mainDir, react) },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules, ...forbid(electron, nodeCore, mainDir, nodeBuiltins) },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
