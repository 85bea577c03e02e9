// Stored formats that changed, brought up to date when the store opens, so a data directory written
// by an earlier version keeps everything it holds.
import { factsOf, statusOf, type EventRow } from './eventRows.ts';
import type { Tables } from './openStore.ts';

/**
 * The first event format kept each row as one object in `events` and its data in `event-data`;
 * rewrites them as facts and status records (eventRows.ts) in one transaction and drops the old
 * tables. Returns how many events it moved.
 */
export function migrateEventRows(t: Tables): number {
  const options = { compression: false, encoder: { useRecords: false } };
  const rows = t.root.openDB<EventRow, string>({ name: 'events', ...options });
  if (rows.getCount({ limit: 1 }) === 0) return 0;
  const data = t.root.openDB<unknown, string>({ name: 'event-data', ...options });
  let moved = 0;
  t.root.transactionSync(() => {
    for (const { key, value } of rows.getRange()) {
      t.facts.putSync(key, factsOf(value, data.get(key) ?? null));
      // A status written since in the current format is newer than the old row: it stays.
      if (t.events.get(key) === undefined) t.events.putSync(key, statusOf(value));
      moved += 1;
    }
    rows.dropSync();
    data.dropSync();
  });
  return moved;
}
