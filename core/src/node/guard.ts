import { Container } from '../common/di.js';
import type { DisposableStore } from '../common/disposable.js';
import { ManifestError, PermissionDeniedError, ServiceConflictError, ServiceUnavailableError } from '../common/errors.js';
import { ContributionProvider, contributionId, type ExtensionPoint } from '../common/extension-points.js';
import type { PluginManifest } from '../common/manifest.js';
import type { PolicyState } from '../common/policy.js';
import { tokenName, type Token } from '../common/token.js';
import { permissionRefusal } from './admission.js';
import { NetworkListener, PluginNetworkListener } from './network.js';
import type { PointCatalogue } from './points.js';

/** What the guard and the claim check need of the kernel. */
export interface GuardDeps {
  readonly catalogue: PointCatalogue;
  policy(): PolicyState;
  contributions<T>(point: Token<T>): T[];
  /** A single service: the kernel's own, or the one an active plugin provides. */
  single<T>(point: Token<T>): T;
}

/** Throws when the plugin may not obtain or provide this point under the policy. */
export function demand(policy: PolicyState, manifest: PluginManifest, point: ExtensionPoint): void {
  if (!point.permission) return;
  const why = permissionRefusal(policy, manifest, point.permission);
  if (why) throw new PermissionDeniedError(manifest.id, point.permission, point.name, why);
}

/**
 * The parent of a plugin's container, built before any plugin code runs: everything the plugin can
 * reach that it did not bind itself, each behind a check for this plugin. The plugin's module can
 * only change its own container, never this one.
 */
export function guardContainer(manifest: PluginManifest, store: DisposableStore, access: { revoked: boolean }, deps: GuardDeps): Container {
  const guard = new Container({ defaultScope: 'Singleton' });
  const check = (point?: ExtensionPoint) => {
    if (access.revoked) throw new ServiceUnavailableError(`plugin '${manifest.id}' is no longer active`);
    if (point) demand(deps.policy(), manifest, point);
  };
  const contributions: ContributionProvider = {
    getContributions: <T>(t: Token<T>): T[] => {
      const point = deps.catalogue.byToken(t);
      if (point?.cardinality !== 'many') throw new ServiceUnavailableError(`${tokenName(t)} is not a list extension point`);
      check(point);
      return deps.contributions(t);
    },
  };
  guard.bind(ContributionProvider).toConstantValue(contributions);
  for (const point of deps.catalogue.all()) {
    if (point.cardinality !== 'one' || point.side !== 'node') continue;
    guard
      .bind(point.token)
      .toDynamicValue(() => {
        check(point);
        return point.token === NetworkListener ? new PluginNetworkListener(store) : deps.single(point.token);
      })
      .inTransientScope();
  }
  return guard;
}

/**
 * Checks what a plugin bound against its manifest, the policy and the other active plugins.
 * Returns the single services it provides, for the kernel to record.
 */
export function claimBindings(
  manifest: PluginManifest,
  container: Container,
  deps: GuardDeps,
  others: readonly { id: string; container: Container; manifest: PluginManifest }[],
  singles: ReadonlyMap<symbol, string>,
): symbol[] {
  const claimed: symbol[] = [];
  for (const point of deps.catalogue.all()) {
    if (point.side !== 'node') {
      checkDeclaredIds(manifest, point, others);
      continue;
    }
    const declared = manifest.contributes[point.name];
    if (!container.isCurrentBound(point.token)) {
      if (declared) throw new ManifestError(`its manifest declares ${point.name} but the plugin binds none`);
      continue;
    }
    if (point.ownerProvides) throw new ServiceConflictError(`${point.name} is provided by the kernel; a plugin cannot provide another`);
    demand(deps.policy(), manifest, point);
    if (point.cardinality === 'one') {
      if (declared !== true) throw new ManifestError(`binds ${point.name} but its manifest does not declare it in "contributes"`);
      const owner = singles.get(point.token);
      if (owner) throw new ServiceConflictError(`exactly one plugin may provide ${point.name}, and ${owner} already does`);
      claimed.push(point.token);
    } else {
      checkListIds(container, point, Array.isArray(declared) ? declared.map(contributionId) : [], others);
    }
  }
  return claimed;
}

/** Whether a contribution may be read: declared by id in its plugin's manifest, and its permission granted. */
export function admitted(manifest: PluginManifest, point: ExtensionPoint, policy: PolicyState, id: unknown): boolean {
  if (point.permission && permissionRefusal(policy, manifest, point.permission)) return false;
  const declared = manifest.contributes[point.name];
  return point.cardinality === 'one' ? declared === true : Array.isArray(declared) && declared.map(contributionId).includes(String(id));
}

/** Why a plugin's page or command-line contributions clash with those of `others`, or undefined. */
export function declaredClash(
  manifest: PluginManifest,
  catalogue: PointCatalogue,
  others: readonly { id: string; manifest: PluginManifest }[],
): string | undefined {
  for (const point of catalogue.all()) {
    if (point.side === 'node') continue;
    try {
      checkDeclaredIds(manifest, point, others);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return undefined;
}

/** Points whose contributions live in the page or the command line: their ids, as manifests declare them, must not clash. */
function checkDeclaredIds(manifest: PluginManifest, point: ExtensionPoint, others: readonly { id: string; manifest: PluginManifest }[]): void {
  const mine = manifest.contributes[point.name];
  if (!Array.isArray(mine)) return;
  const ids = mine.map(contributionId);
  for (const other of others) {
    const theirs = other.manifest.contributes[point.name];
    const clash = Array.isArray(theirs) ? theirs.map(contributionId).find((id) => ids.includes(id)) : undefined;
    if (clash) throw new ServiceConflictError(`${point.name} '${clash}' is already contributed by ${other.id}`);
  }
}

function checkListIds(container: Container, point: ExtensionPoint, declared: readonly string[], others: readonly { id: string; container: Container }[]): void {
  const ids = container.getAll<{ id: string }>(point.token).map((c) => c.id);
  const undeclared = ids.find((id) => !declared.includes(id));
  if (undeclared !== undefined) throw new ManifestError(`contributes ${point.name} '${undeclared}' that its manifest does not declare`);
  const unbound = declared.find((id) => !ids.includes(id));
  if (unbound !== undefined) throw new ManifestError(`its manifest declares ${point.name} '${unbound}' but the plugin does not bind it`);
  for (const other of others) {
    const clash = other.container.isCurrentBound(point.token) ? other.container.getAll<{ id: string }>(point.token).find((c) => ids.includes(c.id)) : undefined;
    if (clash) throw new ServiceConflictError(`${point.name} '${clash.id}' is already contributed by ${other.id}`);
  }
}
