import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, until } from '@ra/kernel/testing';
import type { ContactView } from '@ra/plugin-messenger/api';
import { ra, serve, stopServed, type Served } from '@ra/plugin-messenger/testing';
import type { SessionView } from '@ra/plugin-session/api';
import { exampleOrg } from './e2e/org-ca.js';
import { RaProcess } from './e2e/ra-process.js';
import { apiOk } from './e2e/relayed-pair.js';

const ACCOUNT_PASSWORD = 'correct horse battery';

/**
 * Offer Remote Assistance through the messenger's relay: Nora's organisation forces relayed connections and takes
 * offers from its helpdesk; alice, her contact, offers help to `messenger://nora@…` and the session runs over the relay.
 */
describe('Offer Remote Assistance through the messenger relay', function () {
  this.timeout(180_000);
  let folder: string;
  let serverEnv: NodeJS.ProcessEnv;
  let served: Served;
  let novice: RaProcess;
  let helper: RaProcess;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-offer-relay-'));
    const env = await exampleOrg(folder, {}, { network: { relay: 'force' } });
    serverEnv = { ...process.env, RA_HOME: join(folder, 'server'), RA_UNMANAGED: '1', RA_PLUGIN_PATH: '' };
    served = await serve(serverEnv, ['--host', '127.0.0.1', '--port', '0', '--relay-port', '0', '--data', join(folder, 'data')]);
    novice = await RaProcess.start('offer-relay-novice', { port: await freePort(), env });
    helper = await RaProcess.start('offer-relay-helper', { port: await freePort() });
    for (const [who, user] of [
      [novice, 'nora'],
      [helper, 'alice'],
    ] as const) {
      const server = `127.0.0.1:${served.port}`;
      const login = await ra(
        who.env,
        ['messenger', 'login', '--server', server, '--fingerprint', served.fingerprint, '--user', user, '--register', '--password-stdin'],
        ACCOUNT_PASSWORD,
      );
      assert.equal(login.code, 0, login.stdout + login.stderr);
    }
    await ra(novice.env, ['messenger', 'add', 'alice']);
    await until(async () => (await apiOk<ContactView[]>(helper, 'GET', '/api/messenger/contacts')).length === 1, 10_000, 'the request at alice', 100);
    await ra(helper.env, ['messenger', 'accept', 'nora']);
    await until(async () => (await apiOk<ContactView[]>(novice, 'GET', '/api/messenger/contacts'))[0]?.presence === 'online', 10_000, 'contacts', 100);
  });
  after(async () => {
    await helper?.stop();
    await novice?.stop();
    if (served) await stopServed([served]);
    await rm(folder, { recursive: true, force: true });
  });

  it('asks Nora, who signed in after RA started; once she accepts, the session runs over the relay, View Only', async () => {
    const address = `messenger://nora@127.0.0.1:${served.port}`;
    const identity = await readFile(join(folder, 'alice.helper.pem'), 'utf8');
    // Nora's RA opens its messenger route for offers within a second or two of signing in.
    let started: SessionView | undefined;
    await until(
      async () => {
        started = await apiOk<SessionView>(helper, 'POST', '/api/sessions/offer', { address, identity });
        await until(
          async () => (await view(helper, started!.id)).state !== 'connecting' && (await view(helper, started!.id)).state !== 'verifying',
          20_000,
          'an answer',
        );
        return (await view(helper, started!.id)).state === 'awaiting-consent';
      },
      30_000,
      'the offer never reached Nora',
      1_000,
    );
    const { id, safetyCode } = await novice.answer('accept');
    await until(async () => (await view(helper, started!.id)).state === 'open', 20_000, 'never opened');
    const open = await view(helper, started!.id);
    assert.equal(open.path?.kind, 'relayed');
    assert.equal(open.safetyCode, safetyCode);
    assert.deepEqual(open.rights, ['view']);
    assert.equal((await view(novice, id)).peerName, 'alice (helpdesk, Example Org)');
  });

  const view = async (who: RaProcess, id: string) => (await apiOk<SessionView[]>(who, 'GET', '/api/sessions')).find((s) => s.id === id)!;
});
