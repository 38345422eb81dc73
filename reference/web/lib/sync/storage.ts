import { openDB, type IDBPDatabase } from 'idb';

/** Where the cache and the queue live: IndexedDB, or localStorage when IndexedDB is unavailable or fails. */
export interface KV {
  kind: 'indexeddb' | 'localstorage' | 'memory';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

export class MemoryKV implements KV {
  kind = 'memory' as const;
  private m = new Map<string, string>();
  async get<T>(key: string) { const v = this.m.get(key); return v === undefined ? undefined : (JSON.parse(v) as T); }
  async set(key: string, value: unknown) { this.m.set(key, JSON.stringify(value)); }
}

export class LocalStorageKV implements KV {
  kind = 'localstorage' as const;
  constructor(private readonly ls: Storage, private readonly prefix = 'syncwright:') {}
  async get<T>(key: string) { const v = this.ls.getItem(this.prefix + key); return v === null ? undefined : (JSON.parse(v) as T); }
  async set(key: string, value: unknown) { this.ls.setItem(this.prefix + key, JSON.stringify(value)); }
}

export class IdbKV implements KV {
  kind = 'indexeddb' as const;
  constructor(private readonly db: IDBPDatabase) {}
  async get<T>(key: string) { return (await this.db.get('kv', key)) as T | undefined; }
  async set(key: string, value: unknown) { await this.db.put('kv', value, key); }
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
