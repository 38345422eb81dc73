import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root: where the harness finds its own files (k6/, reference/, supabase/,
 * node_modules/.bin). What a run writes (stack.json, reports/) is anchored at the working directory
 * instead (stack/state.ts), so a user's project can hold its own.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
