import { UsageError, type CliContext, type CliHandler } from '@ra/kernel';
import type { ContactVerb, ContactView, MessengerStatus } from '../common/api.js';

/** Each asks the running RA's local API once; RA keeps the connection, the token never reaches the command line. */
export const clientVerbs: Readonly<Record<string, CliHandler>> = {
  async login(ctx) {
    only(ctx, 0, 'ra messenger login --server HOST:PORT[,HOST:PORT…] --fingerprint AA:BB:… --user NAME [--register --name "Your Name"] --password-file FILE');
    const user = ctx.text('user');
    if (!user) throw new UsageError('say who you are: --user NAME');
    const register = ctx.options.register === true;
    const password = await ctx.password();
    if (!password) throw new UsageError('the password is missing: use --password-file FILE or --password-stdin, or type it when asked');
    const ca = ctx.text('ca');
    const body = {
      server: ctx.text('server'),
      fingerprint: ctx.text('fingerprint'),
      caFile: ca && ctx.existingPath(ca),
      user,
      password,
      ...(register ? { displayName: ctx.text('name') ?? user } : {}),
    };
    const status = await (await ctx.api()).call<MessengerStatus>('POST', `/api/messenger/${register ? 'register' : 'login'}`, body);
    if (ctx.json) return ctx.printJson(status);
    ctx.print(`${register ? 'Made the account and signed in' : 'Signed in'} to ${status.server} as ${status.user} (${status.displayName})`);
    ctx.print(describe(status));
  },

  async logout(ctx) {
    only(ctx, 0, 'ra messenger logout');
    const status = await (await ctx.api()).call<MessengerStatus>('POST', '/api/messenger/logout');
    if (ctx.json) return ctx.printJson(status);
    ctx.print('Signed out of the messenger');
  },

  async status(ctx) {
    only(ctx, 0, 'ra messenger status');
    const status = await (await ctx.api()).call<MessengerStatus>('GET', '/api/messenger');
    if (ctx.json) return ctx.printJson(status);
    if (!status.signedIn) ctx.print(`Not signed in${status.server ? ` (the settings name ${status.server})` : ''}: ra messenger login`);
    else ctx.print(`Signed in to ${status.server} as ${status.user} (${status.displayName})`);
    if (status.signedIn || status.error) ctx.print(describe(status));
  },

  async contacts(ctx) {
    only(ctx, 0, 'ra messenger contacts');
    const contacts = await (await ctx.api()).call<ContactView[]>('GET', '/api/messenger/contacts');
    if (ctx.json) return ctx.printJson(contacts);
    if (!contacts.length) return ctx.print('No contacts yet: ra messenger add USER asks someone to be one');
    ctx.print(ctx.table([['User', 'Name', 'Presence', 'Contact'], ...contacts.map((c) => [c.user, c.displayName, c.presence, RELATION[c.relation]])]));
  },

  add: contactVerb('add', (u) => `Asked ${u} to be your contact; they see you once they accept`),
  accept: contactVerb('accept', (u) => `${u} is now your contact`),
  decline: contactVerb('decline', (u) => `Declined ${u}'s contact request`),
  remove: contactVerb('remove', (u) => `${u} is no longer your contact`),
  block: contactVerb('block', (u) => `Blocked ${u}: they see you offline and cannot ask again`),
  unblock: contactVerb('unblock', (u) => `Unblocked ${u}`),
};

const RELATION: Readonly<Record<ContactView['relation'], string>> = {
  mutual: 'yes',
  asked: 'you asked them',
  asking: 'asks you (ra messenger accept USER)',
  blocked: 'blocked',
};

function contactVerb(verb: ContactVerb, done: (user: string) => string): CliHandler {
  return async (ctx) => {
    only(ctx, 1, `ra messenger ${verb} USER`);
    const user = ctx.args[1];
    const contacts = await (await ctx.api()).call<ContactView[]>('POST', `/api/messenger/contacts/${verb}`, { user });
    if (ctx.json) return ctx.printJson(contacts);
    ctx.print(done(user));
  };
}

/** The verb takes exactly `count` words after it. */
function only(ctx: CliContext, count: number, usage: string): void {
  if (ctx.args.length !== count + 1) throw new UsageError(`usage: ${usage}`);
}

function describe(s: MessengerStatus): string {
  if (s.connection === 'connected')
    return `Connected${s.node ? ` to the node ${s.node}` : ''}; your contacts see you ${s.presence === 'appear-offline' ? 'offline' : s.presence}`;
  if (s.connection === 'connecting') return `Connecting${s.error ? ` (${s.error})` : ''}; RA keeps trying by itself`;
  return `Offline${s.error ? `: ${s.error}` : ''}`;
}
