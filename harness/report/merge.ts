import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Report, ScenarioResult } from '../schema/report.ts';
import { CATALOGUE } from '../conformance/catalogue.ts';
import { shardName, type Shard } from '../conformance/shard.ts';
import { buildReport, newRunId } from './write.ts';

/** A shard's report, the directory its artifact links are relative to, and how the user named it (for messages). */
export interface ShardReport { dir: string; report: Report; name?: string }

/** Why shard reports do not make one run; the message says which reports and what to do. */
export class MergeRefused extends Error {}

/** The merged report, the files to copy beside it (name in the merged report → shard file), and links dropped because their file was absent. */
export interface Merged { report: Report; artifacts: Record<string, string>; dropped: string[] }

/**
 * Checks that the reports are the shards of one `syncwright run --shard i/n` — all of one kind, all
 * shards, of one count and one plan (the same items were dealt), each shard once, none missing
 * unless `allowMissing` excuses it — and refuses (MergeRefused) otherwise.
 */
export function checkShards(inputs: readonly ShardReport[], allowMissing: readonly Shard[]): { total: number; plan: string; missing: number[] } {
  const where = (x: ShardReport) => x.name ?? x.dir;
  const kinds = [...new Set(inputs.map((x) => x.report.kind))];
  if (kinds.length > 1) {
    throw new MergeRefused(`cannot merge reports of different kinds: ${kinds.map((k) => `${k} (${inputs.filter((x) => x.report.kind === k).map(where).join(', ')})`).join(', ')}`);
  }
  const plain = inputs.find((x) => !x.report.shard);
  if (plain) throw new MergeRefused(`${where(plain)} is not a shard's report (${plain.report.merged ? "it is a merged one" : "it was not written by 'syncwright run --shard i/n'"})`);
  const shards = inputs.map((x) => ({ ...x, shard: x.report.shard! }));
  const totals = [...new Set(shards.map((x) => x.shard.total))];
  if (totals.length > 1) throw new MergeRefused(`the shards were cut in different counts: ${shards.map((x) => `${where(x)} is ${shardName(x.shard)}`).join(', ')}`);
  const plans = [...new Set(shards.map((x) => x.shard.plan))];
  if (plans.length > 1) {
    throw new MergeRefused(`the shards come from different runs (their plans, the digests of what the run held, differ: ${shards.map((x) => `${where(x)} ${x.shard.plan}`).join(', ')}); merge the shards of one commit run with the same flags`);
  }
  const targets = [...new Set(shards.map((x) => JSON.stringify(x.report.target)))];
  if (targets.length > 1) throw new MergeRefused(`the shards ran against different targets: ${shards.map((x) => `${where(x)} ${JSON.stringify(x.report.target)}`).join(', ')}`);
  const total = totals[0]!;
  for (const x of shards) {
    const twin = shards.find((y) => y !== x && y.shard.index === x.shard.index);
    if (twin) throw new MergeRefused(`shard ${shardName(x.shard)} is given twice: ${where(x)} and ${where(twin)}`);
  }
  for (const a of allowMissing) {
    if (a.total !== total) throw new MergeRefused(`--allow-missing ${shardName(a)} names a shard of ${a.total}, but these are shards of ${total}`);
    const here = shards.find((x) => x.shard.index === a.index);
    if (here) throw new MergeRefused(`--allow-missing ${shardName(a)} names a shard that is here (${where(here)})`);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !shards.some((x) => x.shard.index === i));
  const unexcused = missing.filter((i) => !allowMissing.some((a) => a.index === i));
  if (unexcused.length) {
    const names = unexcused.map((i) => `${i}/${total}`);
    throw new MergeRefused(`shard${names.length > 1 ? 's' : ''} ${names.join(', ')} missing; merge all ${total}, or excuse ${names.length > 1 ? 'them' : 'it'} with ${names.map((n) => `--allow-missing ${n}`).join(' ')}`);
  }
  return { total, plan: plans[0]!, missing };
}

/** Where a scenario came from in its file: the line of its id (`file:line`), for the merged order. */
const lineOf = (s: ScenarioResult) => Number(/:(\d+)$/.exec(s.id)?.[1] ?? 0);

/**
 * One report of the whole run from its shards' reports (checkShards first): scenarios in file and
 * line order, planted bugs in the catalogue's order, the load smoke, counts and verdict recomputed
 * (buildReport). Each shard's trace, history and diagnostics links move under `shard-<i>/` so they
 * cannot collide (every shard numbers its files from 0); a link whose file the shard's directory
 * lacks is dropped rather than left dead.
 */
export function mergeShards(inputs: readonly ShardReport[], allowMissing: readonly Shard[] = []): Merged {
  const { total, plan, missing } = checkShards(inputs, allowMissing);
  const shards = [...inputs].sort((a, b) => a.report.shard!.index - b.report.shard!.index);
  const artifacts: Record<string, string> = {};
  const dropped: string[] = [];
  const scenarios = shards.flatMap(({ dir, report }) => report.scenarios.map((s) => {
    const relink = (name: string | undefined) => {
      if (name === undefined) return undefined;
      const from = path.join(dir, name);
      if (!existsSync(from)) {
        dropped.push(from);
        return undefined;
      }
      const to = `shard-${report.shard!.index}/${name}`;
      artifacts[to] = from;
      return to;
    };
    const trace = relink(s.artifacts.trace);
    const history = relink(s.artifacts.history);
    const diagnostics = s.artifacts.diagnostics?.map(relink).filter((d): d is string => d !== undefined);
    return { ...s, artifacts: { ...(trace ? { trace } : {}), ...(history ? { history } : {}), ...(diagnostics?.length ? { diagnostics } : {}) } };
  }));
  // sort is stable: tests of one line (a loop's, the random seeds) keep the shards' order.
  scenarios.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : lineOf(a) - lineOf(b)));
  const rank = (bug: string) => {
    const i = CATALOGUE.findIndex((m) => m.name === bug);
    return i < 0 ? CATALOGUE.length : i;
  };
  const planted = shards.flatMap((x) => x.report.planted).sort((a, b) => rank(a.bug) - rank(b.bug));
  const first = shards[0]!.report;
  const report = buildReport({
    kind: first.kind, runId: newRunId(),
    startedAt: shards.map((x) => x.report.startedAt).sort()[0]!, finishedAt: shards.map((x) => x.report.finishedAt).sort().at(-1)!,
    environment: first.environment, target: first.target, budget: first.budget,
    scenarios, planted, load: shards.flatMap((x) => x.report.load),
    merged: { total, plan, shards: shards.map((x) => ({ index: x.report.shard!.index, runId: x.report.runId })), missing },
  });
  return { report, artifacts, dropped };
}
