import assert from 'node:assert/strict';
import { NatLab, skipUnlessLab } from './lab.js';
import { LabRa } from './lab-ra.js';

describe('NAT lab: a real RA inside a namespace', function () {
  this.timeout(90_000);
  let lab: NatLab | undefined;

  before(function () {
    skipUnlessLab(this);
  });
  after(() => lab?.close());

  it('starts there; its API and its page answer from inside that namespace only', async () => {
    lab = await NatLab.create({ natA: 'cone', natB: 'none' });
    const novice = await LabRa.start(lab, 'novice', { port: 3389 });
    try {
      const { status, body } = await novice.api<unknown[]>('GET', '/api/invitations');
      assert.equal(status, 200, novice.output());
      assert.deepEqual(body, []);
      await assert.rejects(fetch(novice.url), 'the UI is not reachable from outside the namespace');
      const browser = await novice.browser();
      try {
        const page = await browser.newPage();
        await page.goto(novice.openUrl);
        await page.getByRole('button', { name: /Invite someone to help you/ }).waitFor();
      } finally {
        await browser.close();
      }
    } finally {
      await novice.stop();
    }
  });
});
