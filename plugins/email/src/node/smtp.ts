import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { Account } from './account.js';

/** How long a server may take to answer, to greet, or between two replies, before RA says it is not answering. */
const TIMEOUT_MS = 15_000;

export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly attachment?: { readonly fileName: string; readonly mediaType: string; readonly data: Uint8Array };
}

/** What a server said, in a few words the novice can act on; never the secret. */
export class SmtpError extends Error {}

/**
 * Sends one message through the account's server: TLS from the start (465) or STARTTLS required (587), certificates
 * checked against the system's CAs or the account's own, TLS 1.2 at least, no plaintext fallback. Resolves with the
 * address the server took it for; rejects with an SmtpError that says what went wrong.
 */
export async function sendMail(account: Account, mail: Mail): Promise<string> {
  const ca = account.caFile
    ? await readFile(account.caFile, 'utf8').catch((e: Error) => fail(`cannot read the CA file ${account.caFile}: ${e.message}`))
    : undefined;
  // An IPv6 address is written in brackets, as in a URL; the socket takes it without them.
  const host = account.host.replace(/^\[(.*)\]$/, '$1');
  const transport = nodemailer.createTransport({
    host,
    port: account.port,
    secure: account.security === 'tls',
    requireTLS: account.security === 'starttls',
    auth: account.auth === 'oauth2' ? { type: 'OAuth2', user: account.user, accessToken: account.secret } : { user: account.user, pass: account.secret },
    // SNI takes names only; an address is checked against the certificate all the same.
    tls: { ...(isIP(host) ? {} : { servername: host }), minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(ca && { ca }) },
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from: account.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.attachment && {
        attachments: [{ filename: mail.attachment.fileName, contentType: mail.attachment.mediaType, content: Buffer.from(mail.attachment.data) }],
      }),
    });
    if (info.rejected.length) throw new SmtpError(`the server refused the address ${mail.to}`);
    return mail.to;
  } catch (e) {
    throw e instanceof SmtpError ? e : new SmtpError(explain(e as NodemailerError, account, mail.to));
  } finally {
    transport.close();
  }
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|certificate/i;

/** The server's own words are kept short, and only its reply: nodemailer's messages never hold the secret, but are long. */
function explain(e: NodemailerError, account: Account, to: string): string {
  const server = `${account.host}:${account.port}`;
  const said = e.response ? `: the server said “${e.response.replace(/\s+/g, ' ').slice(0, 160)}”` : '';
  const code = e.code ?? '';
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const detail = `${code} ${cause?.code ?? ''} ${e.message}`;
  if (code === 'EAUTH' || code === 'ENOAUTH')
    return account.auth === 'oauth2'
      ? `${server} refused the OAuth2 token for ${account.user}; get a new one${said}`
      : `${server} refused the user name or password for ${account.user}${said}`;
  if (CERTIFICATE.test(detail))
    return `${server} showed a certificate RA cannot trust (${(cause?.code ?? e.message).slice(0, 120)}): check the server name, or give your company's CA file`;
  // nodemailer's words when the server refuses STARTTLS or never offers it (smtp-connection, requireTLS).
  if (/^Error upgrading connection with STARTTLS|does not support required STARTTLS/.test(e.message))
    return `${server} offers no STARTTLS, and RA never sends mail in plain text: ask your provider for the secure port (587 with STARTTLS or 465 with TLS)`;
  if (/wrong version number|WRONG_VERSION/i.test(detail))
    return `${server} does not speak TLS on this port: check the port and the security (465 with TLS, 587 with STARTTLS)`;
  if (e.responseCode === 552 || e.responseCode === 523 || /too (big|large)|size/i.test(e.response ?? '')) return `the message is too big for ${server}${said}`;
  if (code === 'EENVELOPE') return `${server} refused to send to ${to}${said}`;
  if (/ECONNREFUSED/.test(detail)) return `nothing answers at ${server}: check the server name and port, and that the server is up`;
  if (/ENOTFOUND|EAI_AGAIN|EDNS/.test(detail)) return `there is no server called ${account.host}: check its name`;
  if (code === 'ETLS') return `the secure connection to ${server} failed: ${e.message.replace(/^Error initiating TLS - /, '').slice(0, 160)}`;
  if (code === 'ETIMEDOUT' && /greeting/i.test(e.message))
    return `${server} never greeted RA: check the port and the security (465 takes TLS from the start, 587 STARTTLS)`;
  if (code === 'ETIMEDOUT') return `${server} did not answer in time`;
  if (code === 'ECONNECTION' || /ECONNRESET|EPIPE|closed/i.test(detail)) return `${server} closed the connection before the message was sent; try again`;
  return `${server} could not send it${said || `: ${e.message.slice(0, 160)}`}`;
}

function fail(message: string): never {
  throw new SmtpError(message);
}
