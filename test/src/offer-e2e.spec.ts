import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snap } from './e2e/browser.js';
import { exampleOrg } from './e2e/org-ca.js';
import { TwoRoles } from './e2e/roles.js';

/** Offer Remote Assistance in the pages: alice offers help from the home page, Nora accepts in hers, alice sees her screen. */
describe('end to end: a helpdesk offers help in the page, and the novice accepts', function () {
  this.timeout(180_000);
  let folder: string;
  let roles: TwoRoles;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-offer-e2e-'));
    const noviceEnv = await exampleOrg(folder);
    roles = await TwoRoles.start('offer', { ports: [24663, 24664], screen: { width: 1024, height: 700, xterm: true }, noviceEnv });
  });
  after(async () => {
    await roles?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('shows the refusal in the helper page when the certificate is not of the right group', async () => {
    const page = roles.helperPage;
    await page.locator('#ra-offer-address').fill(`localhost:${roles.novice.port}`);
    await page.locator('#ra-offer-identity').setInputFiles(join(folder, 'mallory.helper.pem'));
    await page.locator('#ra-offer-send').click();
    await page
      .getByText(/mallory \(groups: sales\) is not among the helpers this computer takes offers from/)
      .first()
      .waitFor();
    await snap(page, 'offer-01-helper-refused');
    await page.getByRole('button', { name: 'Connect again' }).click();
  });

  it("asks Nora with alice's name, unit and organisation; after Accept alice sees the screen, View Only", async () => {
    const { helperPage, novicePage } = roles;
    await helperPage.locator('#ra-offer-address').fill(`localhost:${roles.novice.port}`);
    await helperPage.locator('#ra-offer-identity').setInputFiles(join(folder, 'alice.helper.pem'));
    await helperPage.locator('#ra-offer-send').click();
    await snap(helperPage, 'offer-02-helper-waiting');
    const title = novicePage.locator('#ra-consent-title');
    await title.waitFor();
    assert.equal(await title.textContent(), 'alice (helpdesk, Example Org) offers to help you');
    assert.match(
      (await novicePage.locator('.ra-dialog').textContent()) ?? '',
      /Example Org certified them as a helper \(helpdesk, tier2\); you did not invite them/,
    );
    const code = (await novicePage.locator('#ra-consent-code').textContent()) ?? '';
    assert.match(code, /^\d{3} \d{3}$/);
    await snap(novicePage, 'offer-03-novice-asked');
    await novicePage.locator('#ra-accept').click();
    await helperPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    const helperSessions = (await roles.helper.api<{ safetyCode: string; rights: string[]; state: string }[]>('GET', '/api/sessions')).body;
    const open = helperSessions.find((s) => s.state === 'open')!;
    assert.equal(open.safetyCode, code);
    assert.deepEqual(open.rights, ['view']);
    await snap(helperPage, 'offer-04-helper-sees-screen');
    await snap(novicePage, 'offer-05-novice-session');
  });
});
