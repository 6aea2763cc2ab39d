import { definePlugin, PolicyService } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { OfferAuthority } from '@ra/plugin-session/node';
import { OFFERS_SECTION, type OffersPolicy } from '../common/policy.js';
import { OfferDesk } from './authority.js';

/** `ra.offer`: Offer Remote Assistance. The novice's RA takes helpers its organisation certified, by the `offers` policy. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(OfferAuthority)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        return new OfferDesk(
          () => ctx.get(PolicyService).section<OffersPolicy>(OFFERS_SECTION),
          () => ctx.settings,
        );
      })
      .inSingletonScope();
  }),
  activate(ctx) {
    // Read as each offer comes: a change applies to the next one, without a restart.
    ctx.onDidChangeSettings(() => undefined);
  },
});
