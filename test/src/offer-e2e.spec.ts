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
    // The policy says what a helper who offered may do: the Settings page shows it locked.
    const noviceEnv = await exampleOrg(folder, { control: 'ask' });
    roles = await TwoRoles.start('offer', {
      ports: [24663, 24664],
      screen: { width: 1024, height: 700, xterm: true },
      noviceEnv,
      // Both people's windows at the smallest size RA is made for: every button must be on screen.
      viewports: [
        { width: 1024, height: 700 },
        { width: 1024, height: 700 },
      ],
    });
  });
  after(async () => {
    await roles?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('shows the refusal in the helper page when the certificate is not of the right group', async () => {
    const page = roles.helperPage;
    await page.locator('#ra-offer summary').click();
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

  it("keeps the session's history in each console: the offer, the consent, a chat message (not its words), the other side's checkpoint", async () => {
    const { helperPage, novicePage } = roles;
    await novicePage.getByLabel('Message Entry').fill('my PIN is 4711');
    await novicePage.getByLabel('Message Entry').press('Enter');
    for (const page of [novicePage, helperPage]) await page.locator('#ra-history summary').click();
    const history = (page: typeof novicePage) => page.locator('#ra-history-list');
    await history(helperPage)
      .getByText(/The session with .+ opened$/)
      .waitFor();
    await history(novicePage).getByText('You sent a chat message').waitFor();
    await history(helperPage)
      .getByText(/sent a chat message$/)
      .waitFor();
    await history(helperPage)
      .getByText(/computer vouched for its own log/)
      .waitFor();
    const novices = (await history(novicePage).textContent()) ?? '';
    assert.match(novices, /alice \(helpdesk, Example Org\) offered to help.*The session with alice \(helpdesk, Example Org\) opened/);
    assert.match(novices, /You said yes to the connection/);
    assert.doesNotMatch(novices + ((await history(helperPage).textContent()) ?? ''), /4711/, 'the words stay out of the log');
    await snap(novicePage, 'offer-06-novice-history');
    await snap(helperPage, 'offer-07-helper-history');
  });

  it("shows the offers settings on the novice's Settings page, what the policy fixes locked", async () => {
    const page = roles.novicePage;
    await page.goto(roles.novice.url);
    await page.locator('#ra-settings-link').click();
    const row = (id: string) => page.locator(`[data-setting-row="${id}"]`);
    await row('ra.offer.control').waitFor();
    assert.match((await row('ra.offer.control').textContent()) ?? '', /What a helper who offered may do.*set by your organization/);
    assert.equal(await row('ra.offer.control').locator('select').isDisabled(), true);
    assert.match((await row('ra.offer.acceptOffers').textContent()) ?? '', /Take offers of help from my organisation's helpdesk/);
    assert.match((await row('ra.audit.messages').textContent()) ?? '', /Chat in the session log/);
    await row('ra.offer.control').scrollIntoViewIfNeeded();
    await snap(page, 'offer-08-novice-settings');
  });

  it("lists the ended session on Nora's home page, with what happened in it", async () => {
    const { novicePage, novice } = roles;
    const open = (await novice.api<{ id: string; state: string }[]>('GET', '/api/sessions')).body.find((x) => x.state === 'open')!;
    await novice.api('POST', `/api/sessions/${open.id}/disconnect`);
    await novicePage.getByRole('button', { name: 'Back' }).click();
    await novicePage.locator('#ra-recent summary').click();
    const session = novicePage.locator('.ra-recent-session').first();
    await session.waitFor();
    assert.match((await session.locator('summary').textContent()) ?? '', /^With alice \(helpdesk, Example Org\), /);
    await session.locator('summary').click();
    assert.match(
      (await session.textContent()) ?? '',
      /alice \(helpdesk, Example Org\) offered to help.*You sent a chat message.*You ended the session: the novice disconnected/,
    );
    await session.scrollIntoViewIfNeeded();
    await snap(novicePage, 'offer-09-novice-recent-sessions');
  });
});
