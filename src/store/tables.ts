// The named databases of the engine's LMDB environment (openStore.ts opens them; the query
// helpers and migrations of this folder read them).
import type { Database, Key, RootDatabase } from 'lmdb';
import type { AuditEntry, ItemRecord, NotificationRecord, OrderRecord, SessionRecord } from '../domain/index.ts';
import type { StoredFacts, StoredStatus } from './eventRows.ts';
import type { IdempotencyRecord } from './types.ts';

/** The databases of the engine's environment; shared with the query helpers of this folder. */
export interface Tables {
  root: RootDatabase;
  orders: Database<OrderRecord, string>;
  pending: Database<true, string>;
  items: Database<ItemRecord, string>;
  /** itemId → the last full snapshot and the journal position it reflects. */
  states: Database<{ shard: number; seq: number; snapshot: unknown }, string>;
  /** [shard, seq] → { itemId, event }: append-only, one record per transition. */
  journal: Database<{ itemId: string; event: unknown }, Key>;
  unfinished: Database<true, Key>;
  /** eventId → what changes with the status (eventRows.ts). */
  events: Database<StoredStatus, string>;
  /** eventId → the event's facts and the event-log data the step used, written at creation (and on a CSR's edit). */
  facts: Database<StoredFacts, string>;
  /** ['s', type, status, eventId]: by status; ['c', start, eventId]: children; ['a', number]: start. */
  index: Database<string | null, Key>;
  notifications: Database<NotificationRecord, Key>;
  audit: Database<AuditEntry, Key>;
  locks: Database<string, string>;
  idempotency: Database<IdempotencyRecord, Key>;
  /** sessionId → session; `sessions-by-token`: token hash → sessionId. */
  sessions: Database<SessionRecord, string>;
  sessionTokens: Database<string, string>;
  config: Database<unknown, Key>;
}
