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
const TARGET = { label: "Your helper's e-mail address", placeholder: 'ada@example.org', required: true };

/** One way to send by e-mail; the settings (and the policy over them) say whether it may be used now. */
abstract class EmailTransport implements InvitationTransport {
  abstract readonly id: string;
  abstract readonly title: string;
  readonly target = TARGET;

  constructor(
    protected readonly deps: EmailDeps,
    private readonly method: EmailMethod,
  ) {}

  unavailable(): Promise<string | undefined> | string | undefined {
    if (this.deps.methods().includes(this.method)) return undefined;
    return this.deps.locked() ? 'your organization does not allow this way of sending' : 'turned off in Settings (E-mail)';
  }

  async deliver(envelope: InvitationEnvelope, target: string, progress: DeliveryProgress): Promise<DeliveryReceipt> {
    const why = await this.unavailable();
    if (why) throw new Error(why);
    const to = checkAddress(target);
    const note = await this.send(envelope, to);
    if (note) progress('sent', note);
    return { transport: this.id, target: to, deliveredAt: new Date() };
  }

  /** Sends it; a note when it is not gone yet (a message left open in the mail program). */
  protected abstract send(envelope: InvitationEnvelope, to: string): Promise<string | undefined>;
}

/** RA sends the message itself, the invitation attached, through the user's own SMTP account. */
export class SmtpTransport extends EmailTransport {
  readonly id = 'email';
  readonly title = 'E-mail, sent from your account';

  constructor(deps: EmailDeps) {
    super(deps, 'smtp');
  }

  override async unavailable(): Promise<string | undefined> {
    const why = super.unavailable() as string | undefined;
    if (why) return why;
    const account = await this.deps.account.load().catch(() => undefined);
    return account ? undefined : 'set up your e-mail account first (E-mail, on the home page)';
  }

  protected async send(envelope: InvitationEnvelope, to: string): Promise<undefined> {
    const account = await this.deps.account.load();
    if (!account) throw new Error('set up your e-mail account first (E-mail, on the home page)');
    const { subject, text } = compose(envelope, 'file');
    await sendMail(account, { to, subject, text, attachment: envelope });
    return undefined;
  }
}

/** A new message in the user's own mail program, the invitation attached: they read it over and send it. */
export class DraftTransport extends EmailTransport {
  readonly id = 'email-draft';
  readonly title = 'E-mail, a draft in your mail program';

  constructor(deps: EmailDeps) {
    super(deps, 'draft');
  }

  protected async send(envelope: InvitationEnvelope, to: string): Promise<string> {
    const { subject, text } = compose(envelope, 'file');
    await this.deps.desktop.draft(to, subject, text, envelope);
    return OPENED;
  }
}

/** A message in the user's mail program with a link instead of the file (Windows' "Mailto"): never the file, never the password. */
export class LinkTransport extends EmailTransport {
  readonly id = 'email-link';
  readonly title = 'E-mail, a link in your mail program';

  constructor(deps: EmailDeps) {
    super(deps, 'link');
  }

  protected async send(envelope: InvitationEnvelope, to: string): Promise<string> {
    const url = mailto(envelope, to);
    if (!url) throw new Error(`the message would not fit the ${MAX_MAILTO} characters a mail program takes: shorten your name`);
    await this.deps.desktop.open(url);
    return OPENED;
  }
}
