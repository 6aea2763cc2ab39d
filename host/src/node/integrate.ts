import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CliError } from './cli-error.js';

const run = promisify(execFile);

export const DESKTOP_FILE = 'ra-assist.desktop';
const MIME_FILE = 'ra-msrcincident.xml';
export const INVITATION_TYPE = 'application/x-msrcincident';
const LINK_TYPE = 'x-scheme-handler/ra-invite';

/** The shared-mime-info type: the glob first, and the XML root for a file renamed without it. */
const MIME_XML = `<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="${INVITATION_TYPE}">
    <comment>Remote Assistance invitation</comment>
    <sub-class-of type="application/xml"/>
    <glob pattern="*.msrcincident"/>
    <root-XML namespaceURI="" localName="UPLOADINFO"/>
    <magic priority="60"><match type="string" value="&lt;UPLOADINFO" offset="0:256"/></magic>
    <generic-icon name="network-workgroup"/>
  </mime-type>
</mime-info>
`;

interface Places {
  readonly data: string;
  /** Where the default applications are listed. */
  readonly defaults: string;
}

/** Per user (XDG_DATA_HOME, XDG_CONFIG_HOME), or for everyone (/usr/share, /etc/xdg; as root). */
function places(system: boolean, env: NodeJS.ProcessEnv): Places {
  if (system) return { data: '/usr/share', defaults: '/etc/xdg/mimeapps.list' };
  const home = env.HOME || homedir();
  return { data: env.XDG_DATA_HOME || join(home, '.local', 'share'), defaults: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'mimeapps.list') };
}

/**
 * `ra integrate desktop [--uninstall] [--system]`: the invitation file's type, a launcher, and the `ra-invite:` link
 * handler, so a double-clicked `.msrcincident` or a clicked link opens RA's page with the password prompt
 * (`ra show`). Each step says what it wrote; a desktop without a desktop environment also needs `mimetype`
 * (libfile-mimeinfo-perl) for xdg-open to know the file.
 */
export async function integrateDesktop(options: { uninstall: boolean; system: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const { data, defaults } = places(options.system, env);
  const mime = join(data, 'mime');
  const apps = join(data, 'applications');
  const done: string[] = [];
  try {
    if (options.uninstall) {
      await rm(join(mime, 'packages', MIME_FILE), { force: true });
      await rm(join(apps, DESKTOP_FILE), { force: true });
      await setDefaults(defaults, undefined);
      done.push(`Removed ${join(mime, 'packages', MIME_FILE)}, ${join(apps, DESKTOP_FILE)} and RA's defaults in ${defaults}`);
    } else {
      await mkdir(join(mime, 'packages'), { recursive: true });
      await writeFile(join(mime, 'packages', MIME_FILE), MIME_XML);
      await mkdir(apps, { recursive: true });
      await writeFile(join(apps, DESKTOP_FILE), desktopEntry());
      // A launcher the desktop would refuse is not left behind.
      await validate(join(apps, DESKTOP_FILE)).catch(async (e: Error) => {
        await rm(join(apps, DESKTOP_FILE), { force: true });
        throw e;
      });
      await setDefaults(defaults, DESKTOP_FILE);
      done.push(`Installed the type ${INVITATION_TYPE} (*.msrcincident): ${join(mime, 'packages', MIME_FILE)}`);
      done.push(`Installed the launcher for invitation files and ra-invite: links: ${join(apps, DESKTOP_FILE)}`);
      done.push(`Made RA their default: ${defaults}`);
    }
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EACCES' ? `no permission${options.system ? ' (--system needs root)' : ''}` : (e as Error).message;
    throw new CliError(`cannot ${options.uninstall ? 'remove' : 'install'} the desktop integration: ${why}`);
  }
  // The caches are optional: without them the files still work, only more slowly found.
  for (const [tool, args] of [
    ['update-mime-database', [mime]],
    ['update-desktop-database', [apps]],
  ] as const) {
    await run(tool, [...args]).then(
      () => done.push(`Updated the desktop's cache: ${tool} ${args[0]}`),
      () => done.push(`Did not update the desktop's cache (${tool} is not installed, or failed): it finds the files a little later`),
    );
  }
  return done;
}

/** `ra show %u`, by the absolute paths of this Node and this RA, quoted as the Desktop Entry spec says. */
function desktopEntry(): string {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const exec = [process.execPath, main].map(quote).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Remote Assistance',
    'Comment=Open a Remote Assistance invitation',
    `Exec=${exec} show %u`,
    `MimeType=${INVITATION_TYPE};${LINK_TYPE};`,
    'Icon=network-workgroup',
    'Terminal=false',
    'Categories=Network;RemoteAccess;',
    '',
  ].join('\n');
}

/** The Desktop Entry spec's quoting: `"`, `` ` ``, `$` and `\` escaped inside the quotes, then every `\` again (it is a string value). */
function quote(arg: string): string {
  if (/^[A-Za-z0-9_./+-]+$/.test(arg)) return arg;
  const inQuotes = arg.replace(/["`$\\]/g, '\\$&').replace(/\\/g, '\\\\');
  return `"${inQuotes.replace(/%/g, '%%')}"`;
}

/** desktop-file-validate, when installed, must pass the launcher. */
async function validate(path: string): Promise<void> {
  await run('desktop-file-validate', [path]).catch((e: NodeJS.ErrnoException & { stdout?: string; stderr?: string }) => {
    if (e.code === 'ENOENT') return;
    throw new Error(`desktop-file-validate refused ${path}: ${`${e.stdout ?? ''}${e.stderr ?? ''}`.trim()}`);
  });
}

/** Sets (or with no desktop file, removes) RA as the default for its two types in a mimeapps.list, keeping the rest. */
async function setDefaults(path: string, desktop: string | undefined): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  // Only RA's own lines: another program the user chose for these types stays chosen on --uninstall.
  const ours = (line: string) => line === `${INVITATION_TYPE}=${DESKTOP_FILE}` || line === `${LINK_TYPE}=${DESKTOP_FILE}`;
  const theirs = (line: string) => line.startsWith(`${INVITATION_TYPE}=`) || line.startsWith(`${LINK_TYPE}=`);
  const lines = text.split('\n').filter((line) => !ours(line) && !(desktop && theirs(line)));
  if (desktop) {
    let at = lines.findIndex((line) => line.trim() === '[Default Applications]');
    if (at < 0) at = lines.push('[Default Applications]') - 1;
    lines.splice(at + 1, 0, `${INVITATION_TYPE}=${desktop}`, `${LINK_TYPE}=${desktop}`);
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${lines.join('\n').replace(/\n+$/, '')}\n`);
}
