import type { JWTPayload } from 'jose';
import type { BoundCondition } from './conditions.ts';
import type { Change } from './types.ts';

/** A binding as the client sent it; `select` is whatever it sent (parse_select decides). */
export interface BindingSpec { id: number; event: string; schema: string; table?: string; filter?: string; select?: unknown }
/**
 * A binding checked at subscribe time: its conditions (ANDed), its select list, and `eqIndex` when
 * one condition is a plain `eq` on a text-like column — the registry finds the binding by that
 * value (schema.table.column → value); its other conditions are still checked for each change.
 */
export interface Binding extends Omit<BindingSpec, 'select'> {
  conditions: BoundCondition[];
  select?: string[];
  eqIndex?: { key: string; value: string };
}

/** `dataJson`: the change's payload, serialised once for every subscriber it goes to. */
export type Deliver = (dataJson: string, bindingIds: number[]) => void;

export interface Subscription { id: string; claims: JWTPayload; bindings: Binding[]; deliver: Deliver }

/**
 * The subscriptions, indexed so a change is matched against the few that can want it rather than
 * all of them: a dashboard's `user_id=eq.<uuid>` bindings are found by the row's value. A
 * subscription with any binding the index cannot answer is always a candidate; the caller still
 * checks every candidate's bindings in full, so the index only prunes.
 */
export class Registry {
  private subs = new Map<string, Subscription>();
  private always = new Set<Subscription>();
  /** schema.table → indexed columns; schema.table.column → value → subscriptions. */
  private columns = new Map<string, Set<string>>();
  private eq = new Map<string, Map<string, Set<Subscription>>>();

  get(id: string): Subscription | undefined {
    return this.subs.get(id);
  }

  add(sub: Subscription): void {
    this.remove(sub.id);
    this.subs.set(sub.id, sub);
    if (sub.bindings.some((b) => !b.eqIndex)) {
      this.always.add(sub);
      return;
    }
    for (const b of sub.bindings) {
      const { key, value } = b.eqIndex!;
      const table = key.slice(0, key.lastIndexOf('.'));
      const cols = this.columns.get(table) ?? new Set();
      cols.add(key.slice(table.length + 1));
      this.columns.set(table, cols);
      const byValue = this.eq.get(key) ?? new Map<string, Set<Subscription>>();
      const set = byValue.get(value) ?? new Set();
      set.add(sub);
      byValue.set(value, set);
      this.eq.set(key, byValue);
    }
  }

  /** Every subscription gone at once (a publication change: Subscriptions.delete_all). */
  clear(): void {
    this.subs.clear();
    this.always.clear();
    this.columns.clear();
    this.eq.clear();
  }

  remove(id: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    this.always.delete(sub);
    for (const b of sub.bindings) {
      if (!b.eqIndex) continue;
      const byValue = this.eq.get(b.eqIndex.key);
      const set = byValue?.get(b.eqIndex.value);
      set?.delete(sub);
      if (set && set.size === 0) byValue!.delete(b.eqIndex.value);
    }
  }

  /** Subscriptions that may match: the unindexable ones, plus those whose eq value the row holds. */
  candidates(change: Change): Iterable<Subscription> {
    const table = `${change.schema}.${change.table}`;
    const cols = this.columns.get(table);
    if (!cols) return this.always;
    const row = change.type === 'DELETE' ? change.oldRecord : change.record;
    const out = new Set(this.always);
    for (const col of cols) {
      const v = row?.[col];
      if (typeof v !== 'string') continue;
      for (const sub of this.eq.get(`${table}.${col}`)?.get(v) ?? []) out.add(sub);
    }
    return out;
  }
}
