import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { snap } from './e2e/browser.js';
import { TwoRoles } from './e2e/roles.js';
import { REPO } from './fixtures.js';

const PASSWORD = 'green-kettle-7';

/** A drop box on 127.0.0.1 that keeps what is PUT and gives it back on GET: the examples' web endpoint. */
async function dropBox(): Promise<{ server: Server; url: string }> {
  const kept = new Map<string, Buffer>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') {
        kept.set(req.url!, Buffer.concat(chunks));
        res.writeHead(201).end();
      } else if (kept.has(req.url!)) res.end(kept.get(req.url!));
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('end to end: third-party plugins with no core edit (examples/)', function () {
  this.timeout(120_000);
  let roles: TwoRoles;
  let box: { server: Server; url: string };
  let novicePage: Page;
  let helperPage: Page;

  before(async () => {
    box = await dropBox();
    roles = await TwoRoles.start('examples', { ports: [24571, 24572], screen: { width: 1024, height: 700, xterm: true }, pluginPath: join(REPO, 'examples') });
    ({ novicePage, helperPage } = roles);
  });
  after(async () => {
    await roles?.stop();
    await new Promise((resolve) => box?.server.close(resolve));
  });

  it("offers example.http's own field in the invite form, and puts the invitation at a web address", async () => {
    await novicePage.getByRole('button', { name: /Invite someone to help you/ }).click();
    const form = novicePage.locator('#ra-invite-form');
    await form.getByLabel('Your name').fill('Nora Novice');
    await form.getByLabel(/^Password/).fill(PASSWORD);
    await form.getByLabel('Type the password again').fill(PASSWORD);
    await form.locator('#ra-via').selectOption('http');
    await form.getByLabel(/Web address to put it at/).fill(`${box.url}/nora`);
    await snap(novicePage, 'examples-01-novice-invites-by-web-address');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    assert.match((await novicePage.locator('#ra-invite-done').textContent()) ?? '', new RegExp(`${box.url}/nora`));
  });

  it('opens the invitation from the help form by its web address', async () => {
    await helperPage.getByRole('button', { name: /Help someone who has invited you/ }).click();
    await helperPage.locator('#ra-invitation-source').fill(`${box.url}/nora`);
    await helperPage.locator('#ra-password').fill(PASSWORD);
    await helperPage.getByLabel(/Your name/).fill('Hank Helper');
    await helperPage.locator('#ra-connect').click();
    await novicePage.getByRole('dialog').waitFor();
    await novicePage.locator('#ra-accept').click();
    await helperPage.waitForFunction(() => document.querySelector('#ra-session-state')?.textContent === 'Connected');
  });

  it("asks the novice in example.sysinfo's own consent scope, beside the screen, and shows the answer", async () => {
    await helperPage.locator('#ra-sysinfo-ask').click();
    const question = novicePage.getByRole('dialog');
    await question.waitFor();
    assert.match((await question.textContent()) ?? '', /Hank Helper would like to see this computer's system information/);
    await snap(novicePage, 'examples-02-novice-asked-for-system-information');
    await novicePage.locator('#ra-sysinfo-yes').click();
    await helperPage.locator('#ra-sysinfo-facts').waitFor();
    assert.match((await helperPage.locator('#ra-sysinfo-facts').textContent()) ?? '', /Processors\d+/);
    await helperPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    await snap(helperPage, 'examples-03-helper-sees-system-information');
    assert.equal(await helperPage.locator('.ra-dock-main > [data-panel]').count(), 1, 'the screen alone fills the main area');
    assert.equal(await helperPage.locator('.ra-dock-main > [data-panel="screen"]').count(), 1);
    const side = await helperPage.locator('.ra-dock-side > [data-panel]').evaluateAll((panels) => panels.map((p) => (p as HTMLElement).dataset.panel));
    assert.ok(
      side.indexOf('sysinfo') >= 0 && side.indexOf('sysinfo') < side.indexOf('chat'),
      `the panel is docked beside the screen, before chat: ${side.join(', ')}`,
    );
  });
});
