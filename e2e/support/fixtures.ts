import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { test as base, _electron, type ElectronApplication, type Page } from '@playwright/test';
import { NodeProcess, ONBOARDING_DONE, newDataDir } from './node-process';
import { AppPage } from './app-page';

export type Target = 'web' | 'electron';

type ElectronBridge = {
  invoke(
    m: string,
    a: readonly unknown[],
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: { message: string } }>;
};

/** The path of the Electron binary, or null where it is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD). */
export function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export interface HyperMeshApp {
  readonly target: Target;
  readonly dataDir: string;
  readonly page: Page;
  readonly ui: AppPage;
  /** Calls the node the way the UI does, to check what it stored, not only what is on screen. */
  call<T>(method: string, args?: unknown[]): Promise<T>;
  /** Stops the node and starts it again on the same data directory, running `whileStopped` in between. */
  restart(whileStopped?: () => void | Promise<void>): Promise<void>;
  /** Stops the node and leaves the page open (web only). */
  stopNode(): Promise<void>;
}

interface Fixtures {
  app: HyperMeshApp;
  /** A node process for specs that need one without a page (web only). */
  node: NodeProcess;
  /** A node that runs a TrustChain certificate authority (`hypermesh trust serve`), named {@link CA_NAME}. */
  ca: NodeProcess;
}

/** The name the `ca` fixture's certificate authority goes by. */
export const CA_NAME = 'E2E TrustChain';

/**
 * How long a node may take to be certified once pointed at a CA. A bound, not an expectation: it takes seconds, but a
 * failed round is tried again 10 s later, then 20 s (trust-client.ts), and the machine may be loaded.
 */
export const CERTIFIED_TIMEOUT = 90_000;

/**
 * A fixture that starts a node process has a timeout of its own. A fixture otherwise shares the test's, and a spec's
 * `test.setTimeout` only starts once its fixtures are set up: the app, a node and a CA (post-quantum keys) started one
 * after another on a loaded machine once took the whole default 120 s before the test's first line.
 */
const PROCESS_FIXTURE = { timeout: 180_000 } as const;

export const test = base.extend<Fixtures & { target: Target; showOnboarding: boolean }>({
  target: ['web', { option: true }],
  /** Off: the app opens past the first-run guide (completed through the API); e2e/onboarding.spec.ts turns it on. */
  showOnboarding: [false, { option: true }],

  node: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures name their dependencies by destructuring
    async ({}, use) => {
      const dataDir = newDataDir();
      const node = new NodeProcess(dataDir);
      await node.start();
      await use(node);
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    PROCESS_FIXTURE,
  ],

  ca: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures name their dependencies by destructuring
    async ({}, use) => {
      const dataDir = newDataDir();
      const ca = new NodeProcess(dataDir);
      // With its UI, so a spec can look at the CA's own Certificates page too.
      await ca.start(['--name', CA_NAME], ['trust', 'serve']);
      await use(ca);
      const code = await ca.stop();
      if (code !== 0) throw new Error(`the CA node did not shut down cleanly (exit ${code}):\n${ca.stderr}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
    PROCESS_FIXTURE,
  ],

  app: [
    async ({ target, browser, showOnboarding }, use, testInfo) => {
      const dataDir = newDataDir();
      if (target === 'web') {
        const node = new NodeProcess(dataDir, { showOnboarding });
        await node.start();
        const context = await browser.newContext();
        const page = await context.newPage();
        // A CSP violation or an uncaught exception in the UI fails the test, even if the screen looks right.
        const pageErrors: string[] = [];
        page.on('pageerror', (err) => pageErrors.push(err.message));
        page.on('console', (msg) => {
          if (msg.type() === 'error' && /Content Security Policy|Uncaught/.test(msg.text()))
            pageErrors.push(msg.text());
        });
        await page.goto(node.url);
        await use({
          target,
          dataDir,
          page,
          ui: new AppPage(page),
          call: (method, args = []) => node.call(method, args),
          async restart(whileStopped) {
            const code = await node.stop();
            if (code !== 0) throw new Error(`node exited with ${code} on SIGINT:\n${node.stderr}`);
            await whileStopped?.();
            await node.start();
            await page.goto(node.url);
          },
          async stopNode() {
            await node.stop();
          },
        });
        await context.close();
        if (pageErrors.length > 0) throw new Error(`errors in the page:\n${pageErrors.join('\n')}`);
        const code = await node.stop();
        if (code !== 0) throw new Error(`node did not shut down cleanly (exit ${code}):\n${node.stderr}`);
      } else {
        const binary = electronBinary();
        testInfo.skip(binary === null, 'Electron binary not installed here; the web project covers these specs');
        const launch = () =>
          _electron.launch({
            ...(binary ? { executablePath: binary } : {}),
            args: [resolve('out/main/index.js'), '--no-sandbox'],
            env: { ...process.env, HYPERMESH_DATA_DIR: dataDir },
          });
        let electronApp: ElectronApplication = await launch();
        let page = await electronApp.firstWindow();
        const app: HyperMeshApp = {
          target,
          dataDir,
          get page() {
            return page;
          },
          get ui() {
            return new AppPage(page);
          },
          call: async <T>(method: string, args: unknown[] = []) =>
            page.evaluate(
              async ([m, a]) => {
                const bridge = (window as unknown as { nodeBridge: ElectronBridge }).nodeBridge;
                const reply = await bridge.invoke(m, a);
                if (!reply.ok) throw new Error(reply.error.message);
                return reply.value;
              },
              [method, args] as const,
            ) as Promise<T>,
          async restart(whileStopped) {
            await electronApp.close();
            await whileStopped?.();
            electronApp = await launch();
            page = await electronApp.firstWindow();
          },
          async stopNode() {
            await electronApp.close();
          },
        };
        if (!showOnboarding) await app.call('updateSettings', [ONBOARDING_DONE]);
        await use(app);
        await electronApp.close();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    PROCESS_FIXTURE,
  ],
});

export { expect } from '@playwright/test';
