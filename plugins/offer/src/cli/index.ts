import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { defineCommands, UsageError, type CliContext } from '@ra/kernel';
import { checkDnsName, checkEmail, checkHelperName, checkWord, MAX_HELPER_HOURS, MAX_MACHINE_DAYS } from '../common/certificate.js';
import { CaFolder } from '../node/ca/ca-folder.js';
import type { Issued } from '../node/ca/mint.js';

const VERBS = ['init', 'issue-helper', 'issue-machine', 'revoke', 'crl', 'list'];

/**
 * `ra ca`: the organisation's RA certificate authority, for ops, on a machine they keep apart. It needs no
 * running RA: it works on the CA folder (`--ca DIR`, by default `./ra-ca`).
 */
export default defineCommands({
  async ca(ctx) {
    const [verb, ...rest] = ctx.args;
    if (!verb || !VERBS.includes(verb)) throw new UsageError(`ra ca takes ${VERBS.join(', ')}`);
    const dir = resolve(ctx.cwd, ctx.text('ca') ?? 'ra-ca');
    const one = (what: string) => {
      if (rest.length !== 1) throw new UsageError(`ra ca ${verb} takes one ${what}`);
      return rest[0]!;
    };
    if (verb === 'init') {
      if (rest.length) throw new UsageError('ra ca init takes --org NAME only');
      const org = word(ctx, 'organisation', ctx.text('org'), 'ra ca init needs --org NAME: the organisation helpers and novices see');
      const ca = await CaFolder.init(dir, org);
      return ctx.print(`Made the RA CA of ${ca.org} in ${dir}. Keep ca.key there safe and offline; give novices' computers ca.pem (the policy's offers.ca).`);
    }
    if (verb === 'list' && rest.length) throw new UsageError('ra ca list takes no arguments');
    if (verb === 'crl' && rest.length) throw new UsageError('ra ca crl takes --hours and --out only');
    const ca = await CaFolder.open(dir);
    if (verb === 'issue-helper') {
      const name = valid(() => checkHelperName(one('helper name')));
      const groups = list(ctx, 'groups').map((g) => word(ctx, 'group', g));
      if (!groups.length) throw new UsageError('ra ca issue-helper needs --groups G1,G2: novices take offers by group');
      const hours = number(ctx, 'hours', 8, MAX_HELPER_HOURS);
      const email = ctx.text('email');
      const issued = await ca.issueHelper({ name, groups, hours, email: email === undefined ? undefined : valid(() => checkEmail(email)) });
      const crl = await ca.latestCrl();
      const out = await save(
        ctx,
        `${name}.helper.pem`,
        `RA helper certificate for ${name} (${groups.join(', ')}; ${ca.org})`,
        issued,
        ca.certPem + (crl?.pem ?? ''),
      );
      const until = ctx.localTime(issued.notAfter.toISOString());
      ctx.print(`Issued ${name} a helper certificate (serial ${issued.serial}), valid until ${until}: ${out}`);
      if (!crl) return ctx.print('The CA has published no CRL yet (ra ca crl): this helper cannot tell a revoked computer certificate.');
      if (crl.nextUpdate < issued.notAfter)
        ctx.print(`Its CRL is valid until ${ctx.localTime(crl.nextUpdate.toISOString())}; after that, offers fail until ${name} gets a new file.`);
      return;
    }
    if (verb === 'issue-machine') {
      const name = word(ctx, 'computer name', one('computer name'));
      const dns = list(ctx, 'dns').map((d) => valid(() => checkDnsName(d)));
      const ips = list(ctx, 'ip').map((ip) => valid(() => checkIp(ip)));
      if (!dns.length && !ips.length) throw new UsageError('ra ca issue-machine needs --dns NAMES or --ip ADDRESSES: the names helpers reach the computer by');
      const issued = await ca.issueMachine({ name, dns, ips, days: number(ctx, 'days', 60, MAX_MACHINE_DAYS) });
      const out = await save(ctx, `${name}.machine.pem`, `RA computer certificate for ${name} (${[...dns, ...ips].join(', ')}; ${ca.org})`, issued, ca.certPem);
      return ctx.print(
        `Issued ${name} a computer certificate (serial ${issued.serial}), valid until ${ctx.localTime(issued.notAfter.toISOString())}: ${out}; the policy's offers.identity names it`,
      );
    }
    if (verb === 'revoke') {
      const { name, kind, already } = await ca.revoke(one('serial'));
      return ctx.print(`${already ? 'Already revoked' : 'Revoked'}: the ${kind} certificate of ${name}. Publish a new list with ra ca crl.`);
    }
    if (verb === 'crl') {
      const crl = await ca.crl(number(ctx, 'hours', 48, 24 * 31));
      const out = ctx.text('out');
      if (out) await writeFile(resolve(ctx.cwd, out), crl.pem, { mode: 0o644 });
      return ctx.print(
        `CRL ${crl.number} lists ${crl.revoked} revoked certificate${crl.revoked === 1 ? '' : 's'}; valid until ${ctx.localTime(crl.nextUpdate.toISOString())}, after which novices refuse every offer until a newer one is in place: ${out ? resolve(ctx.cwd, out) : `${dir}/crl.pem`}`,
      );
    }
    const rows = ca
      .list()
      .map((i) => [i.serial, i.kind, i.name, ctx.localTime(i.notAfter), i.revoked ? 'revoked' : Date.parse(i.notAfter) < Date.now() ? 'expired' : 'valid']);
    if (ctx.json) return ctx.printJson(ca.list());
    ctx.print(rows.length ? ctx.table([['Serial', 'Kind', 'Name', 'Valid until', 'State'], ...rows]) : 'This CA has issued nothing yet.');
  },
});

/** What the user typed, checked: a problem is a usage error naming it. */
function valid<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function checkIp(value: string): string {
  if (!isIP(value)) throw new Error(`'${value}' is not an IP address`);
  return value;
}

function word(ctx: CliContext, what: string, value: string | undefined, missing = `ra ca ${ctx.args[0]} needs the ${what}`): string {
  if (value === undefined) throw new UsageError(missing);
  return valid(() => checkWord(what, value));
}

function list(ctx: CliContext, option: string): string[] {
  return (ctx.text(option) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function number(ctx: CliContext, option: string, fallback: number, max: number): number {
  const text = ctx.text(option);
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`--${option} must be a whole number from 1 to ${max}`);
  return value;
}

/** Key, certificate and the CA in one file only its owner reads; an existing file is never overwritten. */
async function save(ctx: CliContext, fallback: string, title: string, issued: Issued, caPem: string): Promise<string> {
  const out = resolve(ctx.cwd, ctx.text('out') ?? fallback);
  await writeFile(out, `# ${title}\n${issued.keyPem}${issued.certPem}${caPem}`, { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    throw new Error(e.code === 'EEXIST' ? `${out} already exists; remove it or give --out FILE` : `cannot write ${out}: ${e.message}`);
  });
  return out;
}
