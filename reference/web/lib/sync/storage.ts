import { openDB, type IDBPDatabase } from 'idb';

/**
 * Where the cache and the queue live: IndexedDB, or localStorage when IndexedDB is unavailable or fails.
 * One store a browser profile: keys carry the user id where it matters.
 */
export interface KV {
  kind: 'indexeddb' | 'localstorage' | 'memory';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  /** Several writes at once, `undefined` deleting the key: one IndexedDB transaction, so a reload finds all of them or none. */
  batch(ops: readonly (readonly [key: string, value: unknown])[]): Promise<void>;
  /** The values of every key that starts with `prefix`. */
  scan<T>(prefix: string): Promise<T[]>;
  /**
   * Reads a key and writes `f` of it as one step, so a write by another tab of the profile cannot
   * fall between (one IndexedDB transaction; localStorage is synchronous). Returns what it wrote.
   */
  update<T>(key: string, f: (current: T | undefined) => T): Promise<T>;
}

export class MemoryKV implements KV {
  kind = 'memory' as const;
  private m = new Map<string, string>();
  async get<T>(key: string) { const v = this.m.get(key); return v === undefined ? undefined : (JSON.parse(v) as T); }
  async set(key: string, value: unknown) { this.m.set(key, JSON.stringify(value)); }
  async batch(ops: readonly (readonly [string, unknown])[]) {
    for (const [k, v] of ops) if (v === undefined) this.m.delete(k); else this.m.set(k, JSON.stringify(v));
  }
  async scan<T>(prefix: string) { return [...this.m].filter(([k]) => k.startsWith(prefix)).map(([, v]) => JSON.parse(v) as T); }
  async update<T>(key: string, f: (current: T | undefined) => T) {
    // No await between the read and the write: two updates of one tab cannot interleave.
    const v = this.m.get(key);
    const next = f(v === undefined ? undefined : (JSON.parse(v) as T));
    this.m.set(key, JSON.stringify(next));
    return next;
  }
}

export class LocalStorageKV implements KV {
  kind = 'localstorage' as const;
  constructor(private readonly ls: Storage, private readonly prefix = 'syncwright:') {}
  async get<T>(key: string) { const v = this.ls.getItem(this.prefix + key); return v === null ? undefined : (JSON.parse(v) as T); }
  async set(key: string, value: unknown) { this.ls.setItem(this.prefix + key, JSON.stringify(value)); }
  // Synchronous, so no reload can fall between the writes.
  async batch(ops: readonly (readonly [string, unknown])[]) {
    for (const [k, v] of ops) if (v === undefined) this.ls.removeItem(this.prefix + k); else this.ls.setItem(this.prefix + k, JSON.stringify(v));
  }
  async update<T>(key: string, f: (current: T | undefined) => T) {
    const v = this.ls.getItem(this.prefix + key);
    const next = f(v === null ? undefined : (JSON.parse(v) as T));
    this.ls.setItem(this.prefix + key, JSON.stringify(next));
    return next;
  }
  async scan<T>(prefix: string) {
    const out: T[] = [];
    for (let i = 0; i < this.ls.length; i++) {
      const k = this.ls.key(i);
      if (k?.startsWith(this.prefix + prefix)) out.push(JSON.parse(this.ls.getItem(k)!) as T);
    }
    return out;
  }
}

export class IdbKV implements KV {
  kind = 'indexeddb' as const;
  constructor(private readonly db: IDBPDatabase) {}
  async get<T>(key: string) { return (await this.db.get('kv', key)) as T | undefined; }
  async set(key: string, value: unknown) { await this.db.put('kv', value, key); }
  async batch(ops: readonly (readonly [string, unknown])[]) {
    const tx = this.db.transaction('kv', 'readwrite');
    await Promise.all([...ops.map(([k, v]) => (v === undefined ? tx.store.delete(k) : tx.store.put(v, k))), tx.done]);
  }
  async scan<T>(prefix: string) { return (await this.db.getAll('kv', IDBKeyRange.bound(prefix, `${prefix}\uffff`))) as T[]; }
  async update<T>(key: string, f: (current: T | undefined) => T) {
    // No await but the transaction's own requests between the read and the write: it stays open.
    const tx = this.db.transaction('kv', 'readwrite');
    const next = f((await tx.store.get(key)) as T | undefined);
    await Promise.all([tx.store.put(next, key), tx.done]);
    return next;
  }
}

/** Tries IndexedDB (with a write probe: some browsers open it and then fail every write). */
export async function openStorage(opts: { indexedDB?: IDBFactory; localStorage?: Storage; noFallback?: boolean; name: string }): Promise<KV> {
  try {
    if (!opts.indexedDB) throw new Error('IndexedDB is unavailable');
    const db = await openDB(opts.name, 1, { upgrade: (d) => { d.createObjectStore('kv'); } });
    const kv = new IdbKV(db);
    await kv.set('__probe', Date.now());
    return kv;
  } catch {
    if (opts.noFallback || !opts.localStorage) return new MemoryKV();
    return new LocalStorageKV(opts.localStorage, `${opts.name}:`);
  }
}
