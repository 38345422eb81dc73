// Types for scripts/node-tests.mjs, which stays plain JavaScript: scripts/test-all.mjs runs it with node alone.
export interface TapCounts { tests: number; passed: number; failed: number; skipped: number; todo: number }
export function nodeTestArgs(files: string[], extra?: string[]): string[];
export function tapCounts(tap: string): TapCounts | undefined;
export function runNodeTests(
  node: string,
  files: string[],
  opts?: { extra?: string[]; env?: NodeJS.ProcessEnv; stderr?: 'inherit' | 'ignore' | 'pipe' },
): Promise<{ code: number | null; counts: TapCounts | undefined }>;
