import { existsSync } from 'node:fs';
import type { ResolveFnOutput, ResolveHook, ResolveHookContext } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * A module resolution hook. Specs, test helpers and benches compile into `<package>/build/`, the
 * product into `<package>/dist/`, so a relative import of a product module finds nothing in
 * build/; it is resolved in dist/ instead. A spec and the plugin the kernel loads then share one
 * copy of every module: one class for `instanceof`, one token object.
 */
export async function resolve(specifier: string, context: ResolveHookContext, nextResolve: Parameters<ResolveHook>[2]): Promise<ResolveFnOutput> {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    const inDist = (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' ? productUrl(specifier, context.parentURL) : undefined;
    if (!inDist) throw e;
    return nextResolve(inDist, context);
  }
}

/** Where `specifier`, relative and imported from a package's build/ folder, lies in its dist/ folder. */
export function productUrl(specifier: string, parentURL: string | undefined): string | undefined {
  if (!parentURL?.startsWith('file:') || !/^\.\.?\//.test(specifier)) return undefined;
  const build = buildFolder(dirname(fileURLToPath(parentURL)));
  if (!build) return undefined;
  const inBuild = relative(build, fileURLToPath(new URL(specifier, parentURL)));
  if (inBuild.split(sep)[0] === '..' || isAbsolute(inBuild)) return undefined;
  return pathToFileURL(join(dirname(build), 'dist', inBuild)).href;
}

/** The nearest folder named build that sits beside a package.json, from `dir` up. */
function buildFolder(dir: string): string | undefined {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    if (basename(d) === 'build' && existsSync(join(dirname(d), 'package.json'))) return d;
  }
  return undefined;
}
