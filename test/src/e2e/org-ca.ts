import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateOpsKeyPair, signDetached } from '@ra/kernel/node';
import { CaFolder } from '@ra/plugin-offer/testing';
import { RA_BIN } from '../fixtures.js';

/**
 * Example Org's RA CA in `folder`, made with `ra ca` as ops would: helpers alice (helpdesk, tier2), mallory (sales)
 * and bob (helpdesk, revoked); the computer nora-pc (localhost, 127.0.0.1); a rogue CA of the same name that issued
 * eve; a CRL; and a signed policy whose `offers` take group helpdesk, with `sections` beside. Returns the novice's RA_POLICY and RA_OPS_KEY.
 */
export async function exampleOrg(folder: string, offers: Record<string, unknown> = {}, sections: Record<string, unknown> = {}): Promise<NodeJS.ProcessEnv> {
  const ra = (...args: string[]) => spawnSync(process.execPath, [RA_BIN, ...args], { cwd: folder, encoding: 'utf8', env: { ...process.env, RA_HOME: folder } });
  for (const args of [
    ['ca', 'init', '--org', 'Example Org'],
    ['ca', 'issue-helper', 'alice', '--groups', 'helpdesk,tier2', '--hours', '8'],
    ['ca', 'issue-helper', 'mallory', '--groups', 'sales'],
    ['ca', 'issue-helper', 'bob', '--groups', 'helpdesk'],
    ['ca', 'issue-machine', 'nora-pc', '--dns', 'localhost', '--ip', '127.0.0.1'],
    // A rogue CA with the very same name: only its key differs.
    ['ca', 'init', '--org', 'Example Org', '--ca', 'rogue'],
    ['ca', 'issue-helper', 'eve', '--groups', 'helpdesk', '--ca', 'rogue'],
  ]) {
    const made = ra(...args);
    assert.equal(made.status, 0, `ra ${args.join(' ')}: ${made.stderr}`);
  }
  const bob = (await CaFolder.open(join(folder, 'ra-ca'))).list().find((i) => i.name === 'bob')!;
  assert.equal(ra('ca', 'revoke', bob.serial).status, 0);
  assert.match(ra('ca', 'crl', '--hours', '48').stdout, /^CRL 1 lists 1 revoked certificate; valid until/);
  const { publicPem, privatePem } = generateOpsKeyPair();
  const at = (name: string) => join(folder, name);
  const policy = Buffer.from(
    JSON.stringify({
      offers: { enabled: true, ca: at('ra-ca/ca.pem'), crl: at('ra-ca/crl.pem'), identity: at('nora-pc.machine.pem'), groups: ['helpdesk'], ...offers },
      ...sections,
    }),
  );
  await writeFile(at('policy.json'), policy);
  await writeFile(at('policy.json.sig'), signDetached(privatePem, policy));
  await writeFile(at('ops-key.pub'), publicPem);
  return { RA_POLICY: at('policy.json'), RA_OPS_KEY: at('ops-key.pub') };
}
