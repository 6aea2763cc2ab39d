import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateOpsKeyPair, signDetached } from '@ra/kernel/node';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A temporary folder whose plugins resolve `@ra/kernel` from the repo, as an installed plugin would. */
export class Workspace {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Workspace> {
    const dir = await mkdtemp(join(tmpdir(), 'ra-test-'));
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    return new Workspace(dir);
  }

  get plugins(): string {
    return join(this.dir, 'plugins');
  }
  get home(): string {
    return join(this.dir, 'home');
  }
  get policyPath(): string {
    return join(this.dir, 'policy.json');
  }
  get keyPath(): string {
    return join(this.dir, 'ops-key.pub');
  }

  /** Writes a plugin folder: package.json with `raPlugin`, and `index.js` with the given body. */
  async plugin(id: string, manifest: Record<string, unknown> = {}, code = DEFAULT_CODE, version = '1.0.0'): Promise<string> {
    const dir = join(this.plugins, id);
    await mkdir(dir, { recursive: true });
    const raPlugin = { id, kernel: '^0.1.0', entries: { node: 'index.js' }, ...manifest };
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: id, version, type: 'module', raPlugin }, null, 2));
    await writeFile(join(dir, 'index.js'), `${IMPORTS}\n${code}\n`);
    return dir;
  }

  /** Signs `policy` with a fresh ops key pinned at `keyPath`; returns the private key for re-signing. */
  async signedPolicy(policy: object): Promise<string> {
    const { publicPem, privatePem } = generateOpsKeyPair();
    const text = Buffer.from(JSON.stringify(policy, null, 2));
    await writeFile(this.policyPath, text);
    await writeFile(`${this.policyPath}.sig`, signDetached(privatePem, text));
    await writeFile(this.keyPath, publicPem);
    return privatePem;
  }

  async settings(value: object): Promise<void> {
    await mkdir(this.home, { recursive: true });
    await writeFile(join(this.home, 'settings.json'), JSON.stringify(value));
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

const IMPORTS = `import { ContainerModule } from '@ra/kernel/inversify';
import * as ra from '@ra/kernel';
import { definePlugin } from '@ra/kernel';`;

export const DEFAULT_CODE = 'export default definePlugin({});';

/** Plugin code that contributes an InvitationTransport with `id`. */
export function transportCode(id: string, extra = ''): string {
  return `const transport = { id: '${id}', title: '${id}', async deliver(e, target) { return { transport: '${id}', target, deliveredAt: new Date() }; } };
export default definePlugin({ module: new ContainerModule(({ bind }) => { bind(ra.InvitationTransport).toConstantValue(transport); }) ${extra} });`;
}
