import { ContainerModule } from '@ra/kernel/inversify';
import { definePlugin } from '@ra/kernel';

/** `ra.messenger`: being built for issue 11 (see docs/messenger.md). */
export default definePlugin({ module: new ContainerModule(() => undefined) });
