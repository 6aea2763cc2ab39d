import { ApiRoute, definePlugin, HostEnvironment, PolicyService } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { InvitationTransport } from '@ra/plugin-session/api';
import { EMAIL_METHODS, type EmailMethod } from '../common/api.js';
import { AccountFile } from './account.js';
import { DesktopMail } from './desktop.js';
import { emailRoutes, ROUTE_IDS } from './routes.js';
import { EmailTransport, WAYS, type EmailDeps } from './transports.js';

const EmailDeps = Symbol('EmailDeps');

/** `ra.email`: invitations by e-mail, from the user's SMTP account, as a draft in their mail program, or as a link. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind<EmailDeps>(EmailDeps)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        const home = ctx.get(HostEnvironment).home;
        return {
          account: new AccountFile(home),
          desktop: new DesktopMail(home),
          // The settings hold the policy's methods already when it sets them.
          methods: () => (ctx.settings.methods as EmailMethod[] | undefined)?.filter((m) => EMAIL_METHODS.includes(m)) ?? EMAIL_METHODS,
          // Locked when the signed policy file names the methods, not when its defaults apply.
          locked: () => (ctx.get(PolicyService).current().policy.sections.email as { methods?: unknown } | undefined)?.methods !== undefined,
        };
      })
      .inSingletonScope();
    for (const way of WAYS)
      bind(InvitationTransport)
        .toDynamicValue((c) => new EmailTransport(c.get<EmailDeps>(EmailDeps), way))
        .inSingletonScope();
    ROUTE_IDS.forEach((_, i) => bind(ApiRoute).toDynamicValue((c) => emailRoutes(c.get<EmailDeps>(EmailDeps))[i]));
  }),
  activate(ctx) {
    // Settings are read when used: a change of the methods needs no restart.
    ctx.onDidChangeSettings(() => undefined);
  },
});
