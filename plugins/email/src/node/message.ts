import type { InvitationEnvelope } from '@ra/plugin-session/api';

/** The longest `mailto:` URL RA opens: mail programs and browsers on Windows fail at about 2,000 characters, Gmail's web page at 1,600. */
export const MAX_MAILTO = 1800;

export interface Composed {
  readonly subject: string;
  readonly text: string;
}

/**
 * The invitation's message, in plain text a plain mail program shows well: who asks and their words, how to open
 * it (the attached file, or the link), until when, and that the password comes separately. Never the password.
 */
export function compose(envelope: InvitationEnvelope, how: 'file' | 'link', message = envelope.message): Composed {
  const subject = `Remote Assistance invitation from ${envelope.noviceName}`;
  return { subject, text: how === 'file' ? withFile(envelope, message) : withLink(envelope, message) };
}

function withFile(envelope: InvitationEnvelope, message: string): string {
  const name = envelope.noviceName;
  const password = envelope.passwordRequired
    ? `3. Type the password ${name} gives you. They tell it to you separately, by phone or in person: it is not in this message.`
    : `3. This invitation has no password: anyone who gets it may ask ${name} to connect, so keep it to yourself.`;
  const words = message.trim()
    ? [
        'Their message:',
        '',
        ...message
          .trim()
          .split(/\r?\n/)
          .map((line) => `   ${line}`),
        '',
      ]
    : [];
  return [
    `${name} is asking for your help with their computer, using Remote Assistance (RA).`,
    '',
    ...words,
    'To help:',
    `1. Install RA on your computer, if it is not there yet (ask ${name} or your helpdesk where to get it).`,
    `2. Double-click the attached file, ${envelope.fileName}. RA opens it and asks for the password.`,
    password,
    `4. ${name} is asked to accept you, and sees everything you do. You see their screen; they can let you take control.`,
    '',
    `The invitation expires on ${expiry(envelope.expiresAt)}.`,
    '',
    'If you do not know this person, do not open it.',
    '',
  ].join('\r\n');
}

/** The same, short: a `mailto:` URL has room for the link and a few lines (every space and line end takes 3–6 characters). */
function withLink(envelope: InvitationEnvelope, message: string): string {
  const name = envelope.noviceName;
  const words = message.trim() ? [message.trim(), ''] : [];
  const password = envelope.passwordRequired ? `${name} tells you the password separately.` : 'It has no password: keep it to yourself.';
  return [
    `${name} asks for your help with their computer, using Remote Assistance (RA).`,
    '',
    ...words,
    'With RA installed, click this link, or copy all of it into RA (Help someone):',
    envelope.link,
    '',
    `${password} It expires ${expiry(envelope.expiresAt)}.`,
    '',
  ].join('\r\n');
}

/**
 * A `mailto:` URL to `to` with the link in its body, at most MAX_MAILTO characters: the novice's message is shortened,
 * then left out, before the URL would grow past it. Undefined if even that is too long (an unusual name or address).
 */
export function mailto(envelope: InvitationEnvelope, to: string): string | undefined {
  const words = envelope.message.trim();
  for (const message of [words, ...shorter(words), '']) {
    const { subject, text } = compose(envelope, 'link', message);
    const url = `mailto:${encodeURIComponent(to).replace(/%40/g, '@')}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(text)}`;
    if (url.length <= MAX_MAILTO) return url;
  }
  return undefined;
}

/** The message cut at ever fewer words, each ending with an ellipsis. */
function shorter(message: string): string[] {
  const words = message.split(/\s+/);
  const cuts: string[] = [];
  for (let n = Math.floor(words.length * 0.75); n >= 3; n = Math.floor(n * 0.75)) cuts.push(`${words.slice(0, n).join(' ')} …`);
  return cuts;
}

/** "5 Dec 2026, 14:30 (Europe/Berlin)": unambiguous in any reader's country, in the novice's time zone. */
function expiry(date: Date): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const when = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(date);
  return `${when} (${zone})`;
}
