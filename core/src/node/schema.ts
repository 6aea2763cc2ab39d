import { Ajv, type ErrorObject, type ValidateFunction } from './vendor.js';

/** Our own schemas: checked against the meta-schema by schema.spec.ts, not at every start (~35 ms). */
const trusted = new Ajv({ allErrors: true, useDefaults: true, strict: true, validateSchema: false });
/** Schemas plugins bring (their settings): unknown keywords and malformed types are refused when compiled. */
const foreign = new Ajv({ allErrors: true, useDefaults: true, strict: false, strictSchema: true, validateSchema: false, addUsedSchema: false });

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
 * Checks a value against a plugin-supplied schema and returns the problems, for settings where bad
 * values fall back to defaults. Throws only when the schema itself is broken.
 */
export function checkSchema(schema: object, value: unknown): string | undefined {
  let validate: ValidateFunction;
  try {
    validate = foreign.compile(schema);
  } catch (e) {
    throw new Error(`its settings schema is not a valid JSON Schema: ${(e as Error).message}`);
  }
  return validate(value) ? undefined : formatErrors(validate.errors ?? []);
}

function formatErrors(errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const where = e.instancePath || '(top level)';
      if (e.keyword === 'additionalProperties') return `${where}: unknown key '${e.params.additionalProperty}'`;
      if (e.keyword === 'enum') return `${where} ${e.message} (${(e.params.allowedValues as unknown[]).join(', ')})`;
      return `${where} ${e.message}`;
    })
    .join('; ');
}
