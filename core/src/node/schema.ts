import { DAY_MINUTES, HARD_MAX_LIFETIME_MINUTES } from '../common/policy.js';
import { Ajv, type ErrorObject, type ValidateFunction } from './vendor.js';

/** Our own schemas: checked against the meta-schema by schema.spec.ts, not at every start (~35 ms). */
const trusted = new Ajv({ allErrors: true, useDefaults: true, strict: true, validateSchema: false });
/** Schemas plugins bring (settings, policy sections, contributions): unknown keywords and malformed types are refused when compiled. */
const foreign = new Ajv({ allErrors: true, useDefaults: true, strict: false, strictSchema: true, validateSchema: false, addUsedSchema: false });

/** A policy value a setting may name: `allowed`, or `section.key`. */
export const POLICY_PATH = '^(allowed|[a-z][A-Za-z0-9]*\\.[a-z][A-Za-z0-9]*)$';

/** `90m`, `6h`, `30d`: a lifetime in a policy or a setting, never above the 99-day hard cap. */
foreign.addFormat('duration', { type: 'string', validate: (text: string) => durationMinutes(text) !== undefined });
/**
 * `"policy": "solicited.allowControl"` on a setting names the policy value that fixes or caps it (see
 * setting-catalog.ts); `allowed` is the kernel's own. An annotation: values are checked by the catalogue.
 */
foreign.addKeyword({ keyword: 'policy', schemaType: 'string', metaSchema: { type: 'string', pattern: POLICY_PATH } });

const UNIT_MINUTES: Readonly<Record<string, number>> = { m: 1, h: 60, d: DAY_MINUTES };

/** Minutes in a `duration`, or undefined when it is malformed or above 99 days. */
export function durationMinutes(text: string): number | undefined {
  const match = /^([1-9][0-9]{0,6})([mhd])$/.exec(text);
  const minutes = match ? Number(match[1]) * UNIT_MINUTES[match[2]] : Infinity;
  return minutes <= HARD_MAX_LIFETIME_MINUTES ? minutes : undefined;
}

/** A checker that throws one readable line per problem; compiled on first use, so unused schemas cost nothing. */
export function compileSchema<T>(schema: object, what: string): (value: unknown) => T {
  let validate: ValidateFunction | undefined;
  return (value: unknown): T => {
    validate ??= trusted.compile(schema);
    if (!validate(value)) throw new Error(`${what}: ${formatErrors(validate.errors ?? [])}`);
    return value as T;
  };
}

/**
 * Checks a value against a plugin-supplied schema, filling in defaults, and returns the problems. Throws only when the schema itself is broken.
 */
export function checkSchema(schema: object, value: unknown, what = 'its settings schema'): string | undefined {
  let validate: ValidateFunction;
  try {
    validate = foreign.compile(schema);
  } catch (e) {
    throw new Error(`${what} is not a valid JSON Schema: ${(e as Error).message}`);
  }
  return validate(value) ? undefined : formatErrors(validate.errors ?? []);
}

function formatErrors(errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const where = e.instancePath || '(top level)';
      if (e.keyword === 'additionalProperties') return `${where}: unknown key '${e.params.additionalProperty}'`;
      if (e.keyword === 'format' && e.params.format === 'duration') return `${where} must be a duration like 90m, 6h or 30d, at most 99d`;
      if (e.keyword === 'enum') return `${where} ${e.message} (${(e.params.allowedValues as unknown[]).join(', ')})`;
      return `${where} ${e.message}`;
    })
    .join('; ');
}
