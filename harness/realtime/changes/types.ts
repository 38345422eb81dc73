import type { WalColumn } from './wal-size.ts';

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';

export interface Column { name: string; type: string }

/** One row change decoded from pgoutput, before any subscriber is considered. */
export interface Change {
  schema: string;
  table: string;
  type: ChangeType;
  commitTimestamp: string;
  columns: Column[];
  primaryKey: string[];
  rlsEnabled: boolean;
  record?: Record<string, unknown>;
  oldRecord?: Record<string, unknown>;
  /** The same rows as pgoutput's text (null = SQL NULL, absent = not in the WAL), for filters. */
  recordText?: Record<string, string | null | undefined>;
  oldRecordText?: Record<string, string | null | undefined>;
  lsn: string;
  /** The committing transaction (32-bit, from pgoutput Begin). */
  xid?: number;
  /** The table's columns and the commit time as wal2json names them, to size the change as apply_rls does. */
  walColumns?: WalColumn[];
  walTimestamp?: string;
}

/** The `data` of a postgres_changes frame, as the real server's apply_rls builds it. */
export interface PostgresChangesPayload {
  schema: string;
  table: string;
  /** null on a refusal (400, 401), as list_changes leaves it. */
  commit_timestamp: string | null;
  type: ChangeType;
  columns: Column[];
  errors: string[] | null;
  record?: Record<string, unknown>;
  old_record?: Record<string, unknown>;
}
