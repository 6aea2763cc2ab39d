import { PolicyError } from '../common/errors.js';
import type { PluginManifest } from '../common/manifest.js';
import type { PolicyState } from '../common/policy.js';
import { sectionValue, type PolicySections } from './policy.js';
import { checkSchema, durationMinutes } from './schema.js';

/** What a policy says about one value a setting names with its `policy` keyword. */
export interface PolicyValue {
  readonly value: unknown;
  /** The policy file sets it (not a default). */
  readonly set: boolean;
}

/** Reads the policy value at a setting's `policy` path: `allowed`, or `section.key` with the section's defaults. */
export type PolicyLookup = (path: string) => PolicyValue | undefined;

export function policyLookup(state: PolicyState, sections: PolicySections): PolicyLookup {
  return (path) => {
    if (path === 'allowed') return { value: state.policy.allowed, set: true };
    const [name, key] = path.split('.');
    if (!sections.has(name)) return undefined;
    const given = state.policy.sections[name] as Record<string, unknown> | undefined;
    return { value: sectionValue<Record<string, unknown>>(sections, state.policy, name)[key], set: given?.[key] !== undefined };
  };
}

/** How the policy file binds one setting: a boolean it turns off, a duration it caps, any other value it sets. */
export interface PolicyBound {
  readonly path: string;
  /** `fixed`: the setting shows locked at `value`; `cap`: the setting may be at most `value`. */
  readonly kind: 'fixed' | 'cap';
  readonly value: unknown;
}

type Property = Readonly<Record<string, unknown>>;

/** The words people read beside a setting the policy decides. */
export const SET_BY_ORGANIZATION = 'set by your organization';

export function policyBound(property: Property, lookup: PolicyLookup): PolicyBound | undefined {
  const path = property.policy;
  if (typeof path !== 'string') return undefined;
  const found = lookup(path);
  // Only what the policy file says binds a setting: a section's defaults are no organization's choice.
  if (!found?.set) return undefined;
  if (property.type === 'boolean') return found.value === false ? { path, kind: 'fixed', value: false } : undefined;
  if (property.format === 'duration') return typeof found.value === 'string' ? { path, kind: 'cap', value: found.value } : undefined;
  return { path, kind: 'fixed', value: found.value };
}

/** A value within its bound: a fixed value replaces it, a longer duration gives way to the cap. */
function bounded(value: unknown, bound: PolicyBound | undefined): unknown {
  if (!bound) return value;
  if (bound.kind === 'fixed') return bound.value;
  const [wanted, cap] = [durationMinutes(String(value)), durationMinutes(String(bound.value))];
  return wanted !== undefined && cap !== undefined && wanted > cap ? bound.value : value;
}

/** Applies every policy bound to settings that already fit the schema; what the plugin reads. */
export function applyPolicy(manifest: PluginManifest, settings: Record<string, unknown>, lookup: PolicyLookup | undefined): Record<string, unknown> {
  if (!lookup) return settings;
  for (const [key, property] of Object.entries(properties(manifest))) {
    const bound = policyBound(property, lookup);
    if (bound && (key in settings || bound.kind === 'fixed')) settings[key] = bounded(settings[key], bound);
  }
  return settings;
}

/** One setting as the Settings page and `ra settings list` show it. */
export interface SettingView {
  /** `plugin.key`, what `ra settings get|set` take. */
  readonly id: string;
  readonly plugin: string;
  readonly pluginName: string;
  readonly key: string;
  readonly title: string;
  readonly description?: string;
  readonly type: 'boolean' | 'integer' | 'number' | 'string' | 'duration' | 'list' | 'choice';
  readonly choices?: readonly unknown[];
  readonly default?: unknown;
  /** What is in force: the user's choice or the default, within the policy. */
  readonly value: unknown;
  /** The user's own choice, when they made one. */
  readonly chosen?: unknown;
  /** `set by your organization` when the policy fixes it. */
  readonly locked?: string;
  /** The longest a duration may be, when the policy caps it. */
  readonly max?: string;
}

/** Every setting of every plugin with a settings schema, as in force now. */
export function settingViews(
  manifests: readonly PluginManifest[],
  stored: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>,
  lookup: PolicyLookup,
): SettingView[] {
  return manifests.flatMap((manifest) => {
    const given = stored[manifest.id] ?? {};
    const filled = structuredClone(given) as Record<string, unknown>;
    const fits = manifest.settings ? checkSchema(manifest.settings, filled) === undefined : false;
    const defaults: Record<string, unknown> = {};
    if (manifest.settings) checkSchema(manifest.settings, defaults);
    const effective = applyPolicy(manifest, fits ? filled : { ...defaults }, lookup);
    return Object.entries(properties(manifest)).map(([key, property]): SettingView => {
      const bound = policyBound(property, lookup);
      return {
        id: `${manifest.id}.${key}`,
        plugin: manifest.id,
        pluginName: manifest.displayName ?? manifest.id,
        key,
        title: typeof property.title === 'string' ? property.title : key,
        description: typeof property.description === 'string' ? property.description : undefined,
        type: kind(property),
        choices: Array.isArray(property.enum) ? property.enum : undefined,
        default: defaults[key],
        value: effective[key],
        chosen: given[key],
        locked: bound?.kind === 'fixed' ? SET_BY_ORGANIZATION : undefined,
        max: bound?.kind === 'cap' ? String(bound.value) : undefined,
      };
    });
  });
}

/**
 * The plugin's stored settings with `key` set to `value` (undefined: back to the default), checked
 * against its schema and the policy. Throws one line naming the problem: a PolicyError when the policy forbids it.
 */
export function changeSetting(
  manifest: PluginManifest,
  stored: Readonly<Record<string, unknown>> | undefined,
  key: string,
  value: unknown,
  lookup: PolicyLookup,
): Record<string, unknown> {
  const id = `${manifest.id}.${key}`;
  const property = properties(manifest)[key];
  if (!property) {
    const known = Object.keys(properties(manifest));
    throw new Error(`${manifest.id} has no setting '${key}'${known.length ? `; it has ${known.join(', ')}` : ''}`);
  }
  const next: Record<string, unknown> = { ...stored };
  if (value === undefined) delete next[key];
  else next[key] = value;
  const problem = checkSchema(manifest.settings!, structuredClone(next), `the settings schema of ${manifest.id}`);
  if (problem) throw new Error(`${id}: ${problem.replace(`/${key} `, '')}`);
  const bound = policyBound(property, lookup);
  if (value !== undefined && bound && bounded(value, bound) !== value) {
    const why = bound.kind === 'fixed' ? `is ${SET_BY_ORGANIZATION}` : `may be at most ${String(bound.value)}, ${SET_BY_ORGANIZATION}`;
    throw new PolicyError(`${id} ${why} (policy ${bound.path}: ${JSON.stringify(bound.value)})`);
  }
  return next;
}

/** A value typed on a command line, read as the setting's type: `on`/`off`, numbers, `a,b` or JSON for lists. */
export function parseSettingText(manifest: PluginManifest, key: string, text: string): unknown {
  const property = properties(manifest)[key];
  const type = property ? kind(property) : 'string';
  if (type === 'boolean') {
    const word = text.trim().toLowerCase();
    if (['true', 'on', 'yes', '1'].includes(word)) return true;
    if (['false', 'off', 'no', '0'].includes(word)) return false;
    throw new Error(`${manifest.id}.${key} is on or off, not '${text}'`);
  }
  if (type === 'integer' || type === 'number') {
    const n = Number(text);
    if (text.trim() === '' || Number.isNaN(n)) throw new Error(`${manifest.id}.${key} is a number, not '${text}'`);
    return n;
  }
  if (type === 'list') {
    if (text.trim().startsWith('[')) return JSON.parse(text) as unknown;
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return text;
}

function properties(manifest: PluginManifest): Readonly<Record<string, Property>> {
  const props = manifest.settings?.properties;
  return typeof props === 'object' && props !== null ? (props as Record<string, Property>) : {};
}

function kind(property: Property): SettingView['type'] {
  if (Array.isArray(property.enum)) return 'choice';
  if (property.format === 'duration') return 'duration';
  if (property.type === 'array') return 'list';
  if (property.type === 'boolean' || property.type === 'integer' || property.type === 'number') return property.type;
  return 'string';
}
