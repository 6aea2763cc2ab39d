import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Account } from './account.js';
import { sendMail, SmtpError } from './smtp.js';
import { NOWHERE, PASSWORD, SmtpLab, TOKEN, USER } from './testing/smtp-lab.js';

const ATTACHMENT = {
  fileName: 'RAInvitation.msrcincident',
  mediaType: 'application/x-msrcincident',
  data: new TextEncoder().encode('<UPLOADINFO TYPE="Escalated"/>\n'),
};

describe('e-mail over SMTP (real smtp-server, STARTTLS, AUTH, parsed back with mailparser)', function () {
  this.timeout(30_000);
  let lab: SmtpLab;
  let dir: string;
  let account: Account;

  before(async () => {
    lab = await SmtpLab.start();
    dir = await mkdtemp(join(tmpdir(), 'ra-smtp-'));
    await writeFile(join(dir, 'ca.pem'), lab.ca.cert);
    account = {
      host: 'localhost',
      port: lab.port,
      security: 'starttls',
      user: USER,
      auth: 'password',
      from: USER,
      caFile: join(dir, 'ca.pem'),
      secret: PASSWORD,
    };
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The SmtpError a send with these changes gets; the secret appears in none. */
  async function refused(change: Partial<Account>, to = 'ada@example.org', attachment = ATTACHMENT): Promise<string> {
    const error = await sendMail({ ...account, ...change }, { to, subject: 's', text: 't', attachment }).then(
      () => assert.fail('it was sent'),
      (e: Error) => e,
    );
    assert.ok(error instanceof SmtpError, `${error.name}: ${error.message}`);
    for (const secret of [PASSWORD, TOKEN, change.secret ?? PASSWORD]) assert.ok(!error.message.includes(secret), error.message);
    return error.message;
  }

  it('sends after STARTTLS and AUTH, the attachment byte for byte as application/x-msrcincident', async () => {
    assert.equal(
      await sendMail(account, { to: 'ada@example.org', subject: 'Remote Assistance invitation', text: 'Hello\r\n', attachment: ATTACHMENT }),
      'ada@example.org',
    );
    const { mail, secure, user } = lab.received.at(-1)!;
    assert.deepEqual([secure, user], [true, USER]);
    assert.equal(mail.subject, 'Remote Assistance invitation');
    assert.equal(mail.from?.text, USER);
    const [file] = mail.attachments;
    assert.deepEqual([file.filename, file.contentType], ['RAInvitation.msrcincident', 'application/x-msrcincident']);
    assert.deepEqual(new Uint8Array(file.content), ATTACHMENT.data);
  });

  it('signs in with an OAuth2 access token (XOAUTH2)', async () => {
    await sendMail({ ...account, auth: 'oauth2', secret: TOKEN }, { to: 'ada@example.org', subject: 'oauth', text: 't' });
    assert.equal(lab.received.at(-1)!.mail.subject, 'oauth');
  });

  it('names each fault in words the novice can act on', async () => {
    assert.match(await refused({ secret: 'wrong-password' }), /refused the user name or password for nora@example.org/);
    assert.match(await refused({ auth: 'oauth2', secret: 'expired-token' }), /refused the OAuth2 token for nora@example.org; get a new one/);
    assert.match(await refused({ caFile: undefined }), /showed a certificate RA cannot trust/);
    assert.match(await refused({}, `ada@${NOWHERE}`), /refused to send to ada@nowhere.example: the server said “550/);
    const big = { ...ATTACHMENT, data: new Uint8Array(400 * 1024).fill(65) };
    assert.match(await refused({}, 'ada@example.org', big), /the message is too big for localhost:\d+/);
    assert.match(await refused({ security: 'tls' }), /does not speak TLS on this port/);
  });

  it('says so when the server offers no STARTTLS, and never sends in plain text', async () => {
    const plain = await SmtpLab.start({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    try {
      assert.match(await refused({ port: plain.port }), /offers no STARTTLS, and RA never sends mail in plain text/);
      assert.equal(plain.received.length, 0);
    } finally {
      await plain.stop();
    }
  });

  it('says so when the server is down or drops the connection partway through the message', async () => {
    const down = await SmtpLab.start();
    const port = down.port;
    await down.stop();
    assert.match(await refused({ port }), /nothing answers at localhost:\d+/);
    const big = { ...ATTACHMENT, data: new Uint8Array(64 * 1024).fill(66) };
    assert.match(await refused({ port: await lab.cut(16 * 1024) }, 'ada@example.org', big), /closed the connection before the message was sent/);
  });

  it('reads the CA file it is given, and says when it cannot', async () => {
    assert.match(await refused({ caFile: join(dir, 'missing.pem') }), /cannot read the CA file .*missing.pem/);
  });
});
