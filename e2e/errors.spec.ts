import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from './support/fixtures';

test('a corrupted settings row is reported as a banner; nothing is shared until the user saves', async ({ app }) => {
  await app.call('updateSettings', [{ privacyLevel: 'FullPublic', allocation: { cpu: 90 } }]);
  const corrupt = () => {
    const db = new Database(join(app.dataDir, 'hypermesh.db'));
    db.prepare("UPDATE settings SET document = 'garbage' WHERE id = 1").run();
    db.close();
  };
  await app.restart(corrupt);
  await expect(app.page.getByRole('status').filter({ hasText: 'Stored settings could not be read' })).toBeVisible();
  await expect(app.page.getByTestId('sharing-state')).toHaveText('Not sharing — privacy level is Private');
  // The safe defaults include the welcome guide's "not done yet": it opens again, to set things up anew.
  await app.ui.skipOnboarding();
  await app.ui.open('sharing');
  await app.ui.sharing().setPrivacyLevel('P2P');
  await app.ui.sharing().save();
  await app.ui.open('dashboard');
  await expect(app.page.getByText('Stored settings could not be read')).toHaveCount(0);
});

test('when the node goes away the UI says so', async ({ app, target }) => {
  test.skip(target !== 'web', 'the Electron window and its node stop together');
  await expect(app.ui.connection()).toHaveText('Connected');
  await app.stopNode();
  await expect(app.ui.connection()).toHaveText('Node unreachable');
  await expect(app.page.getByRole('alert')).toContainText('The node cannot be reached');
});
