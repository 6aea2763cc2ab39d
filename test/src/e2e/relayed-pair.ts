import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOpsKeyPair, signDetached } from '@ra/kernel/node';
import { freePort } from '@ra/kernel/testing';
import { RaProcess } from './ra-process.js';

/**
 * A novice whose organization forces the relay (a signed policy), so a session must run over it even on
 * one machine, and a helper: two real RAs named `<name>-novice` and `<name>-helper`.
 */
export async function relayForcedPair(name: string, novice: { display?: string } = {}): Promise<{ novice: RaProcess; helper: RaProcess; policyDir: string }> {
  const policyDir = await mkdtemp(join(tmpdir(), `ra-e2e-${name}-policy-`));
  const { publicPem, privatePem } = generateOpsKeyPair();
  const policy = Buffer.from(JSON.stringify({ network: { relay: 'force' } }));
  await writeFile(join(policyDir, 'policy.json'), policy);
  await writeFile(join(policyDir, 'policy.json.sig'), signDetached(privatePem, policy));
  await writeFile(join(policyDir, 'ops.pub'), publicPem);
  const env = { RA_POLICY: join(policyDir, 'policy.json'), RA_OPS_KEY: join(policyDir, 'ops.pub') };
  const started = await RaProcess.start(`${name}-novice`, { port: await freePort(), display: novice.display, env });
  const helper = await RaProcess.start(`${name}-helper`, { port: await freePort() });
  return { novice: started, helper, policyDir };
}

/** A call on a RA's local API that must answer 200; the answer's body. */
export async function apiOk<T>(who: RaProcess, method: string, path: string, body?: unknown): Promise<T> {
  const { status, body: answer } = await who.api<T>(method, path, body);
  assert.equal(status, 200, `${method} ${path}: ${JSON.stringify(answer)}`);
  return answer;
}
