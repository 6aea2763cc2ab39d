import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordProgress, sampleEnvelope } from '@ra/plugin-session/testing';
import type { EmailMethod, EmailStatus } from '../common/api.js';
import { AccountFile } from './account.js';
import { DesktopMail } from './desktop.js';
import { emailRoutes } from './routes.js';
import { SmtpLab, PASSWORD, USER } from './testing/smtp-lab.js';
import { EmailTransport, WAYS, type EmailDeps } from './transports.js';

describe('e-mail transports: what the settings and policy allow, and the account API', function () {
  this.timeout(20_000);
  let home: string;
  let lab: SmtpLab;
  let methods: EmailMethod[];
  let locked: boolean;
  let deps: EmailDeps;

  before(async () => {
    lab = await SmtpLab.start();
  });
  after(() => lab.stop());
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-email-transports-'));
    methods = ['smtp', 'draft', 'link'];
    locked = false;
    deps = { account: new AccountFile(home), desktop: new DesktopMail(home), methods: () => methods, locked: () => locked };
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  const way = (method: EmailMethod) =>
    new EmailTransport(
      deps,
      WAYS.find((w) => w.method === method)!,
    );
  const route = (id: string) => emailRoutes(deps).find((r) => r.id === id)!;
  const call = (id: string, body?: unknown) => Promise.resolve(route(id).handle({ body, params: {}, query: new URLSearchParams() } as never));

  it('says why a way cannot send now: not set up, turned off in Settings, or not allowed by the organization', async () => {
    const smtp = way('smtp');
    assert.equal(await smtp.unavailable(), 'set up your e-mail account first (E-mail, on the home page)');
    methods = ['smtp'];
    assert.equal(await way('draft').unavailable(), 'turned off in Settings (E-mail)');
    locked = true;
    assert.equal(await way('link').unavailable(), 'your organization does not allow this way of sending');
    await assert.rejects(way('link').deliver(sampleEnvelope(), 'ada@example.org', recordProgress()), /your organization does not allow/);
  });

  it('keeps the secret out of every answer, sends a test message, and sends the invitation with the account', async () => {
    await writeFile(join(home, 'ca.pem'), lab.ca.cert);
    const form = { host: 'localhost', port: lab.port, security: 'starttls', user: USER, auth: 'password', caFile: join(home, 'ca.pem'), secret: PASSWORD };
    const saved = (await call('email-account-save', form)) as EmailStatus;
    assert.equal(JSON.stringify(saved).includes(PASSWORD), false);
    assert.equal(JSON.stringify(await call('email-account')).includes(PASSWORD), false);
    assert.deepEqual(await call('email-account-test', { to: 'ada@example.org' }), { sentTo: 'ada@example.org' });
    const receipt = await way('smtp').deliver(sampleEnvelope(), ' ada@example.org ', recordProgress());
    assert.equal(receipt.target, 'ada@example.org');
    assert.equal(lab.received.at(-1)?.mail.attachments[0].filename, 'RAInvitation.msrcincident');
    await assert.rejects(
      way('smtp').deliver(sampleEnvelope(), 'ada@example.org, bob@example.org', recordProgress()),
      /is not an e-mail address: write one address/,
    );
    await call('email-account-remove');
    assert.deepEqual(await call('email-account'), { methods });
  });

  it('says what the test message hit, without the secret', async () => {
    await writeFile(join(home, 'ca.pem'), lab.ca.cert);
    await call('email-account-save', {
      host: 'localhost',
      port: lab.port,
      security: 'starttls',
      user: USER,
      auth: 'password',
      caFile: join(home, 'ca.pem'),
      secret: 'wrong-one',
    });
    await assert.rejects(call('email-account-test', {}), (e: Error) => {
      assert.match(e.message, /the test message was not sent: localhost:\d+ refused the user name or password/);
      assert.ok(!e.message.includes('wrong-one'));
      return true;
    });
  });
});
