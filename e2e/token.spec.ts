import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './support/fixtures';

test('a page opened without the token gets nothing from the node', async ({ node, browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(node.origin);
  await expect(page.getByRole('heading', { name: 'Not connected to your node' })).toBeVisible();
  const status = await node.call<{ nodeId: string }>('getStatus');
  await expect(page.getByText(status.nodeId)).toHaveCount(0);
  const res = await page.evaluate(async () => {
    const r = await fetch('/api/call', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'getSettings', args: [] }),
    });
    return { status: r.status, body: (await r.json()) as unknown };
  });
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  await context.close();
});

test('the token leaves the address bar once the UI has it', async ({ node, browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(node.url);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  expect(page.url()).not.toContain(node.token);
  await page.reload();
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await context.close();
});

test('the token is in no log: not the ready URL, not a failed request (issue #22, 6)', async ({ node, browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(node.url); // the WebSocket carries ?token= in its URL
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await fetch(`${node.origin}/%E0%A4%A?token=${node.token}`);
  await fetch(`${node.origin}/api/nothing?token=${node.token}`);
  await context.close();
  const code = await node.stop();
  expect(code).toBe(0);
  const file = readFileSync(join(node.dataDir, 'logs', 'node.log'), 'utf8');
  expect(file).toContain('API listening on');
  expect(file).not.toContain(node.token);
  expect(node.stderr).not.toContain(node.token);
});
