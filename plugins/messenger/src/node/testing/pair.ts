import { clientIn, startServer, until } from './messenger.js';

const PASSWORD = 'correct horse battery';

/** A real server and two signed-in clients, Nora (novice) and Hank (helper), made mutual contacts unless told not to. */
export async function noraAndHank(options: { contacts?: boolean } = {}) {
  const running = await startServer();
  const server = `127.0.0.1:${running.server.port}`;
  const fingerprint = running.server.fingerprint;
  const nora = await clientIn();
  const hank = await clientIn();
  await nora.client.signIn({ server, fingerprint, user: 'nora', password: PASSWORD, register: { displayName: 'Nora Novice' } });
  await hank.client.signIn({ server, fingerprint, user: 'hank', password: PASSWORD, register: { displayName: 'Hank Helper' } });
  if (options.contacts !== false) {
    await nora.client.request({ type: 'contact.request', user: 'hank' });
    await until(() => hank.client.contacts().length === 1, "nora's request");
    await hank.client.request({ type: 'contact.accept', user: 'nora' });
    await until(() => nora.client.contacts()[0]?.presence === 'online' && hank.client.contacts()[0]?.presence === 'online', 'both online');
  }
  return {
    running,
    server,
    nora,
    hank,
    async stop() {
      await nora.dispose();
      await hank.dispose();
      await running.stop();
    },
  };
}
