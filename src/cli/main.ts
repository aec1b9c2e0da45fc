#!/usr/bin/env node
/**
 * `vigil`: the commands are in commands.ts. This entry only holds V8's young generation
 * at its starting size first, because loading the ~1,100 modules behind the commands is
 * what grows it (server/lib/young-generation.ts): a static import would be loaded and
 * parsed before this module's first line runs.
 */
import { holdYoungGeneration } from '../server/lib/young-generation.js';

holdYoungGeneration();
await import('./commands.js');
