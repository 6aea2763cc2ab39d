import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  generateOpsKeyPair,
  isMissing,
  keyFingerprint,
  MAX_POLICY_BYTES,
  parsePolicy,
  readSmallFile,
  sectionValue,
  signDetached,
  writeFileAtomic,
} from '@ra/kernel/node';
import { CliError, EXIT } from './cli-error.js';
import type { Environment } from './environment.js';
import { policyLine } from './format.js';
import { discover, enforcedPolicy, sectionsOf } from './plugins.js';

/** `ra policy keygen --out DIR`: an Ed25519 ops key pair; the private half never leaves DIR. */
export async function keygen(dir: string): Promise<void> {
  const privatePath = join(dir, 'ops-key.pem');
  const publicPath = join(dir, 'ops-key.pub');
  for (const path of [privatePath, publicPath]) {
    if (await exists(path)) throw new CliError(`${path} already exists; not overwriting a key`);
  }
  const { publicPem, privatePem } = generateOpsKeyPair();
  await writeFileAtomic(privatePath, privatePem, 0o600);
  await writeFileAtomic(publicPath, publicPem, 0o644);
  process.stdout.write(
    `wrote ${privatePath} (private: keep it off the machines) and ${publicPath} (pin it as RA_OPS_KEY or /etc/ra/ops-key.pub)\n` +
      `fingerprint ${keyFingerprint(publicPem)}\n`,
  );
}

/** `ra policy sign FILE --key KEY`: checks the policy first, so ops never sign a file RA would reject. */
export async function sign(env: Environment, file: string, keyPath: string): Promise<void> {
  const text = await readOrFail(file, MAX_POLICY_BYTES);
  try {
    parsePolicy(text.toString('utf8'), sectionsOf(await discover(env)), file);
  } catch (e) {
    throw new CliError(`not signing: ${(e as Error).message}`);
  }
  let signature: string;
  try {
    signature = signDetached(await readOrFail(keyPath), text);
  } catch (e) {
    throw new CliError(`not signing with ${keyPath}: ${(e as Error).message}`);
  }
  await writeFileAtomic(`${file}.sig`, signature, 0o644);
  process.stdout.write(`signed ${file}; signature in ${file}.sig\n`);
}

/** `ra policy verify [FILE] [--key KEY]`: exit 0 only when the policy verifies and parses. */
export async function verify(env: Environment, file?: string, keyPath?: string): Promise<void> {
  const location = { path: file ?? env.policyPath, keyPath: keyPath ?? env.opsKeyPath };
  const state = await enforcedPolicy(env, location);
  if (state.origin === 'default') throw new CliError(`nothing to verify: ${state.note}`, EXIT.untrusted);
  if (state.origin === 'refused') throw new CliError(state.note!, EXIT.untrusted);
  const fingerprint = keyFingerprint(await readOrFail(location.keyPath));
  process.stdout.write(`${location.path} verifies against ${location.keyPath} (fingerprint ${fingerprint})\n`);
}

/** `ra policy show [--json]`: the policy RA enforces now, after verification. */
export async function show(env: Environment, json: boolean): Promise<void> {
  const sections = sectionsOf(await discover(env));
  const state = await enforcedPolicy(env, undefined, sections);
  // Every section the installed plugins declare, with its owner's defaults filled in: what RA enforces.
  const effective = Object.fromEntries([...sections].map(([name, { owner }]) => [name, { owner, value: sectionValue(sections, state.policy, name) }]));
  const shown = { ...state, effective };
  process.stdout.write(json ? `${JSON.stringify(shown, null, 2)}\n` : `${policyLine(state)}\n${JSON.stringify({ ...state.policy, effective }, null, 2)}\n`);
  if (state.origin === 'refused') throw new CliError(state.note!, EXIT.untrusted);
}

async function readOrFail(path: string, maxBytes = 64 * 1024): Promise<Buffer> {
  try {
    return await readSmallFile(path, maxBytes);
  } catch (e) {
    throw new CliError(isMissing(e) ? `cannot read ${path}: no such file` : (e as Error).message);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
