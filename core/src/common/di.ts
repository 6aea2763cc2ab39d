// The one copy of inversify every plugin shares (`@ra/kernel/inversify`): one DI library instance,
// pinned by the kernel. The build replaces the emitted file with a single-file bundle (scripts/bundle.mjs).
import 'reflect-metadata';
export * from 'inversify';
