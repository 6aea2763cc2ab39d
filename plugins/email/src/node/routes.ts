import { ApiError, type ApiRoute } from '@ra/kernel';
import { EMAIL_ACCOUNT_PATH, type EmailStatus } from '../common/api.js';
import { view, type AccountFile } from './account.js';
import { checkAddress } from './address.js';
import { sendMail, SmtpError } from './smtp.js';
import type { EmailDeps } from './transports.js';

type Handler = (deps: EmailDeps, body: unknown) => unknown;

const TABLE: readonly (readonly [id: string, method: ApiRoute['method'], path: string, handle: Handler])[] = [
  ['email-account', 'GET', EMAIL_ACCOUNT_PATH, (d) => status(d)],
  ['email-account-save', 'POST', EMAIL_ACCOUNT_PATH, async (d, body) => ({ ...(await status(d)), account: await d.account.save(body) })],
  ['email-account-remove', 'DELETE', EMAIL_ACCOUNT_PATH, async (d) => (await d.account.remove(), status(d))],
  ['email-account-test', 'POST', `${EMAIL_ACCOUNT_PATH}/test`, (d, body) => test(d.account, body)],
];

/** The ids the manifest lists under `ApiRoute`. */
export const ROUTE_IDS: readonly string[] = TABLE.map(([id]) => id);

/** `/api/email/account…`: the SMTP account without its secret, saving it, removing it, and a test message. */
export function emailRoutes(deps: EmailDeps): ApiRoute[] {
  return TABLE.map(([id, method, path, handle]) => ({ id, method, path, handle: (request) => handle(deps, request.body) }));
}

async function status(deps: EmailDeps): Promise<EmailStatus> {
  const account = await deps.account.load().catch((e: Error) => {
    throw new ApiError(500, e.message);
  });
  return { ...(account && { account: view(account) }), methods: deps.methods(), ...(deps.locked() && { locked: 'set by your organization' }) };
}

/** Sends a short message to `to`, or to the account's own address: the account works before an invitation depends on it. */
async function test(file: AccountFile, body: unknown): Promise<{ sentTo: string }> {
  const account = await file.load();
  if (!account) throw new ApiError(400, 'set up the e-mail account first');
  const given = (body as { to?: unknown } | undefined)?.to;
  const to = typeof given === 'string' && given.trim() ? checkAddress(given, 'test') : account.from;
  const text = 'This is a test message from Remote Assistance (RA): your e-mail account works for sending invitations.\r\n';
  try {
    return { sentTo: await sendMail(account, { to, subject: 'Remote Assistance: test message', text }) };
  } catch (e) {
    throw new ApiError(e instanceof SmtpError ? 400 : 500, `the test message was not sent: ${(e as Error).message}`);
  }
}
