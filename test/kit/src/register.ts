// `import '@ra/test-kit/register'` (or `node --import @ra/test-kit/register`) before loading specs or benches.
import { register } from 'node:module';

register('./build-to-dist.js', import.meta.url);
