/** The ways RA sends an invitation by e-mail: from the user's account, as a draft in their mail program, or as a link. */
export type EmailMethod = 'smtp' | 'draft' | 'link';

export const EMAIL_METHODS: readonly EmailMethod[] = ['smtp', 'draft', 'link'];

/** How the connection to the SMTP server is secured; there is no plaintext. 587 with STARTTLS required, or 465 with TLS from the start. */
export type SmtpSecurity = 'starttls' | 'tls';

/** How RA signs in: a password (an app password at Gmail), or an OAuth2 access token (Exchange Online, Gmail). */
export type SmtpAuth = 'password' | 'oauth2';

/** The SMTP account as the page sees it: everything but the secret. */
export interface AccountView {
  readonly host: string;
  readonly port: number;
  readonly security: SmtpSecurity;
  readonly user: string;
  readonly auth: SmtpAuth;
  /** The sender's address; the user name when that is one. */
  readonly from: string;
  /** A CA certificate (PEM file) that signed the server's certificate, for a company's own CA; else the system's. */
  readonly caFile?: string;
}

/** What the page sends to save the account; an empty `secret` keeps the one saved. */
export interface AccountForm extends AccountView {
  readonly secret?: string;
}

/** `GET /api/email/account`: the account, if one is set up, and the methods the user may pick now. */
export interface EmailStatus {
  readonly account?: AccountView;
  readonly methods: readonly EmailMethod[];
  /** Set when the policy fixes the methods: "set by your organization". */
  readonly locked?: string;
}

export const EMAIL_ACCOUNT_PATH = '/api/email/account';
