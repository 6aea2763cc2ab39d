import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });

/** Compiles a JSON Schema into a checker that throws one readable line per problem. */
export function compileSchema<T>(schema: object, what: string): (value: unknown) => T {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value: unknown): T => {
    if (!validate(value)) throw new Error(`${what}: ${formatErrors(validate.errors ?? [])}`);
    return value as T;
  };
}

/** Validates without throwing, for settings where a bad value falls back to defaults. */
export function checkSchema(schema: object, value: unknown): string | undefined {
  const validate = ajv.compile(schema);
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
