import type { DeliveryProgress, DeliveryReceipt, InvitationEnvelope, InvitationTransport } from '@ra/plugin-session/api';
import type { EmailMethod } from '../common/api.js';
import type { AccountFile } from './account.js';
import { checkAddress } from './address.js';
import type { DesktopMail } from './desktop.js';
import { compose, mailto, MAX_MAILTO } from './message.js';
import { sendMail } from './smtp.js';

export interface EmailDeps {
  readonly account: AccountFile;
  readonly desktop: DesktopMail;
  /** The methods the settings allow, within the policy. */
  methods(): readonly EmailMethod[];
  /** The policy fixes them. */
  locked(): boolean;
}

const OPENED = 'the message is open in your mail program; send it from there';
const NO_ACCOUNT = 'set up your e-mail account first (E-mail, on the home page)';
const TARGET = { label: "Your helper's e-mail address", placeholder: 'ada@example.org', required: true };

/** One way to send by e-mail: its transport id and title in the invite form, and how it sends. */
interface Way {
  readonly method: EmailMethod;
  readonly id: string;
  readonly title: string;
  /** Sends it; a note when it is not gone yet (a message left open in the mail program). */
  send(deps: EmailDeps, envelope: InvitationEnvelope, to: string): Promise<string | undefined>;
}

export const WAYS: readonly Way[] = [
  {
    // RA sends the message itself, the invitation attached, through the user's own SMTP account.
    method: 'smtp',
    id: 'email',
    title: 'E-mail, sent from your account',
    async send(deps, envelope, to) {
      const account = await deps.account.load();
      if (!account) throw new Error(NO_ACCOUNT);
      const { subject, text } = compose(envelope, 'file');
      await sendMail(account, { to, subject, text, attachment: envelope });
      return undefined;
    },
  },
  {
    // A new message in the user's own mail program, the invitation attached: they read it over and send it.
    method: 'draft',
    id: 'email-draft',
    title: 'E-mail, a draft in your mail program',
    async send(deps, envelope, to) {
      const { subject, text } = compose(envelope, 'file');
      await deps.desktop.draft(to, subject, text, envelope);
      return OPENED;
    },
  },
  {
    // A message with a link instead of the file (Windows' "Mailto"): never the file, never the password.
    method: 'link',
    id: 'email-link',
    title: 'E-mail, a link in your mail program',
    async send(deps, envelope, to) {
      const url = mailto(envelope, to);
      if (!url) throw new Error(`the message would not fit the ${MAX_MAILTO} characters a mail program takes: shorten your name`);
      await deps.desktop.open(url);
      return OPENED;
    },
  },
];

/** An invitation transport for one way; the settings (and the policy over them) say whether it may be used now. */
export class EmailTransport implements InvitationTransport {
  readonly id: string;
  readonly title: string;
  readonly target = TARGET;

  constructor(
    private readonly deps: EmailDeps,
    private readonly way: Way,
  ) {
    this.id = way.id;
    this.title = way.title;
  }

  async unavailable(): Promise<string | undefined> {
    if (!this.deps.methods().includes(this.way.method))
      return this.deps.locked() ? 'your organization does not allow this way of sending' : 'turned off in Settings (E-mail)';
    if (this.way.method !== 'smtp') return undefined;
    return (await this.deps.account.load().catch(() => undefined)) ? undefined : NO_ACCOUNT;
  }

  async deliver(envelope: InvitationEnvelope, target: string, progress: DeliveryProgress): Promise<DeliveryReceipt> {
    const why = await this.unavailable();
    if (why) throw new Error(why);
    const to = checkAddress(target);
    const note = await this.way.send(this.deps, envelope, to);
    if (note) progress('sent', note);
    return { transport: this.id, target: to, deliveredAt: new Date() };
  }
}
