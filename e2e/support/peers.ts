import type { Browser } from '@playwright/test';
import type { TrustStatus } from '../../src/shared/trust';
import { AppPage } from './app-page';
import { expect } from './fixtures';
import type { NodeProcess } from './node-process';

/**
 * How long the mesh may take to do one thing a test waits for (certification, registration, an announcement, an
 * allocation, a job's run): seconds on a quiet machine. A bound, not an expectation: a peer whose first dials failed
 * is dialled again 5, 10, then 20 s later (each ±50 %, mesh/redial.ts), so a 60 s bound could end before the fourth
 * try, and the machine may be loaded.
 */
export const MESH_TIMEOUT = 120_000;

/** Opens a node's UI in a context of its own; CSP violations and uncaught errors are collected into `errors`. */
export async function openUi(browser: Browser, node: NodeProcess, errors: string[], name: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`${name}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Uncaught/.test(msg.text())) {
      errors.push(`${name}: ${msg.text()}`);
    }
  });
  await page.goto(node.url);
  return { context, page, ui: new AppPage(page) };
}

/** Points a node at the CA (certificate, and the mesh through it; no mDNS) and waits until it is certified. */
export async function joinCa(node: NodeProcess, caAddress: string, timeout: number): Promise<void> {
  await node.call('updateSettings', [{ trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } }]);
  await expect
    .poll(
      async () => {
        const status = await node.call<TrustStatus>('getTrustStatus');
        return status.state === 'certified' ? 'certified' : `${status.state}: ${status.problem ?? ''}`;
      },
      { timeout },
    )
    .toBe('certified');
}
