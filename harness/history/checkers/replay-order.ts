import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { ties } from './intents.ts';
import { view, type Mutation } from './view.ts';
import { verdict } from './verdict.ts';

const what = (m: Mutation) => `${m.kind} of ${m.entityId}${m.name !== undefined ? ` ("${m.name}")` : ''}`;

/**
 * Per client and account, mutations reach the server (ledger order) in the order the user made them.
 * A request stands for the place range of its intent (see intents.ts); it is out of order when an
 * earlier applied one stands wholly after it. Each account of a profile has its own queue (the
 * account owning the row): what one account queued may reach the server after what the next
 * account did meanwhile.
 */
export function replayOrder(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  if (!v.ledger) return verdict('replay-order', [], v.mutations.size ? 'no ledger was read' : undefined);
  const first = v.ledger.first;
  const n = v.entries.length + 1;
  const anomalies: Anomaly[] = [];
  for (const c of v.clients.values()) {
    const t = ties(c, n);
    const placed = c.mutations.filter((m) => first.has(m.id)).sort((a, b) => first.get(a.id)! - first.get(b.id)!);
    const accounts = new Map<string | undefined, Mutation[]>();
    // A mutation is in the queue of the account that owns its row: the user it was first sent as
    // may be unsure (sent by a page while the profile signed in as another account).
    for (const m of placed) {
      const account = v.owners.get(m.entityId) ?? m.user;
      accounts.set(account, [...(accounts.get(account) ?? []), m]);
    }
    for (const mine of accounts.values()) check(c.name, mine, t, anomalies);
  }
  return verdict('replay-order', anomalies);
}

function check(name: string, placed: Mutation[], t: ReturnType<typeof ties>, anomalies: Anomaly[]): void {
  {
    let maxLo = -1;
    let latest: Mutation | undefined;
    for (const m of placed) {
      const { lo, hi } = t.get(m.id)!;
      if (latest && hi < maxLo) {
        anomalies.push({ kind: 'reordered', detail: `${name}: ${what(m)} reached the server after ${what(latest)}, which the user made later`, entries: [latest.invoke.index, m.invoke.index] });
      }
      if (lo > maxLo) {
        maxLo = lo;
        latest = m;
      }
    }
  }
}
