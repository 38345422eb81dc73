import fc from 'fast-check';
import { test, expect, finalReads } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';
import type { AppClient } from '../fixtures/app-client.ts';

type Op =
  | { kind: 'rename'; client: number; file: number }
  | { kind: 'server-rename'; file: number }
  | { kind: 'cut'; client: number }
  | { kind: 'heal'; client: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('rename' as const), client: fc.nat(1), file: fc.nat(2) }),
  fc.record({ kind: fc.constant('server-rename' as const), file: fc.nat(2) }),
  fc.record({ kind: fc.constant('cut' as const), client: fc.nat(1) }),
  fc.record({ kind: fc.constant('heal' as const), client: fc.nat(1) }),
);

const seed = Number(process.env.SYNCWRIGHT_SEED ?? 1);

test(`seeded random run: two clients, renames, server writes and cuts converge (seed ${seed})`, async ({ openClient, db, user, history }) => {
  test.setTimeout(240_000);
  const files = [await seedFile(db, user, 'r0.wav'), await seedFile(db, user, 'r1.wav'), await seedFile(db, user, 'r2.wav')];
  const clients: AppClient[] = [await openClient('c1'), await openClient('c2')];
  for (const c of clients) await c.row(files[2]!).waitFor();
  let step = 0;
  let lastAnomalies: string[] = [];
  const property = fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 8 }), async (ops) => {
    for (const c of clients) c.heal();
    for (const o of ops) {
      step++;
      if (o.kind === 'cut') clients[o.client]!.cut();
      else if (o.kind === 'heal') clients[o.client]!.heal();
      else if (o.kind === 'server-rename') {
        await serverRename(db, files[o.file]!, `server-${step}.wav`);
        history.add('db', 'ok', 'rename', { entityId: files[o.file], name: `server-${step}.wav` });
      } else {
        const name = `c${o.client + 1}-${step}.wav`;
        history.add(`c${o.client + 1}`, 'invoke', 'rename', { entityId: files[o.file], name });
        await clients[o.client]!.page.evaluate(([id, n]) => (window as unknown as { __syncEngine: { rename(i: string, n: string): Promise<void> } }).__syncEngine.rename(id!, n!), [files[o.file], name]);
      }
      await clients[0]!.page.waitForTimeout(100);
    }
    const verdicts = await finalReads(clients, db, user, history);
    const bad = verdicts.filter((v) => v.valid === false);
    if (bad.length) lastAnomalies = bad.flatMap((v) => v.anomalies.map((a) => `${v.name}: ${a.detail}`));
    return bad.length === 0;
  });
  const out = await fc.check(property, { seed, numRuns: Number(process.env.SYNCWRIGHT_RANDOM_RUNS ?? 2), endOnFailure: false, interruptAfterTimeLimit: 200_000 });
  if (out.failed) {
    console.log(`\nanomalies: ${lastAnomalies.join("; ")}`);
    console.log(`\nreplay with: npx syncwright repro random --seed ${seed}\nshrunk counterexample: ${JSON.stringify(out.counterexample)}`);
  }
  expect(out.failed, `seed ${seed} failed after ${out.numRuns} runs; replay with: npx syncwright repro random --seed ${seed}; counterexample ${JSON.stringify(out.counterexample)}`).toBe(false);
});
