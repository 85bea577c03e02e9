// Stored formats that changed, brought up to date when the store opens, so a data directory written
// by an earlier version keeps everything it holds.
import type { Database } from 'lmdb';
import { factsOf, statusRecordOf, type EventRow } from './eventRows.ts';
import type { Tables } from './tables.ts';

/** Rows moved per transaction: a large store moves in steps, each of which a crash keeps or undoes whole. */
const ROWS_PER_STEP = 5_000;

/**
 * The first event format kept each row as one object in `events` and its data in `event-data`;
 * rewrites them as facts and status records (eventRows.ts), removing each old row in the same
 * transaction, then drops the old tables. A restart half-way goes on where it stopped. Returns how
 * many events it moved.
 */
export function migrateEventRows(t: Tables): number {
  // `create: false`: a store that never had the old tables is not given empty ones.
  const options = { compression: false, encoder: { useRecords: false }, create: false };
  const rows = t.root.openDB<EventRow, string>({ name: 'events', ...options }) as Database<EventRow, string> | undefined;
  if (!rows) return 0;
  const data = t.root.openDB<unknown, string>({ name: 'event-data', ...options }) as Database<unknown, string> | undefined;
  let moved = 0;
  for (let step = [...rows.getRange({ limit: ROWS_PER_STEP })]; step.length > 0; step = [...rows.getRange({ limit: ROWS_PER_STEP })]) {
    t.root.transactionSync(() => {
      for (const { key, value } of step) {
        t.facts.putSync(key, factsOf(value, data?.get(key) ?? null));
        // A status written since in the current format is newer than the old row: it stays.
        if (t.events.get(key) === undefined) t.events.putSync(key, statusRecordOf(value));
        rows.removeSync(key);
        data?.removeSync(key);
        moved += 1;
      }
    });
  }
  t.root.transactionSync(() => {
    rows.dropSync();
    data?.dropSync();
  });
  return moved;
}
