import type { PluginManifest } from '../common/manifest.js';
import { checkSchema } from './schema.js';
import { applyPolicy, type PolicyLookup } from './setting-catalog.js';
import type { UserSettings } from './settings.js';

/**
 * A plugin's settings as it gets them: the user's, checked against the manifest's schema with the
 * defaults filled in; settings that do not fit are dropped for the defaults, and `warn` says why.
 * Then the policy: what it fixes replaces the user's choice, what it caps is held to the cap.
 */
export function effectiveSettings(
  manifest: PluginManifest,
  settings: UserSettings,
  warn: (message: string) => void,
  policy?: PolicyLookup,
): Readonly<Record<string, unknown>> {
  const schema = manifest.settings;
  const given = structuredClone(settings.plugins[manifest.id]?.settings ?? {});
  if (!schema) return given;
  const problem = checkSchema(schema, given);
  if (!problem) return applyPolicy(manifest, given, policy);
  warn(`settings for '${manifest.id}' ignored, defaults used: ${problem}`);
  const defaults = {};
  checkSchema(schema, defaults);
  return applyPolicy(manifest, defaults, policy);
}
