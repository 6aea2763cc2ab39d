// The kernel's Node-side libraries, bundled into one file by scripts/bundle.mjs for start-up time.
import semver from 'semver';
export { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
export { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
export { semver };
