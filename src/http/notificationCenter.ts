// The notification center of a session (SPEC §5): the latest entry per item from the customer's
// notification log since the session opened; a closed item shows as failed; the badge counts the
// entries that are complete or failed.
import type { NotificationRecord } from '../domain/index.ts';

/** One entry of the center, as API.md shows it, with its log position. */
export interface CenterEntry {
  seq: number;
  itemId: string;
  name: string;
  kind: string;
  status: 'in_progress' | 'complete' | 'failed';
  detailUrl: string;
  errorMessage?: string;
}

/** A session's center, built by applying log entries in order. */
export class NotificationCenter {
  private readonly entries = new Map<string, CenterEntry>();
  /** The log position of the last entry applied. */
  seq: number;

  /** @param fromSeq the log position when the session opened */
  constructor(readonly fromSeq: number) {
    this.seq = fromSeq;
  }

  /** Applies entries after `seq`, oldest first; returns the center entries they changed. */
  apply(records: readonly NotificationRecord[]): CenterEntry[] {
    const changed: CenterEntry[] = [];
    for (const record of records) {
      if (record.seq <= this.seq) continue;
      this.seq = record.seq;
      const entry: CenterEntry = {
        seq: record.seq,
        itemId: record.itemId,
        name: record.name,
        kind: record.kind,
        status: record.status === 'closed' ? 'failed' : record.status === 'cancelled' ? 'complete' : record.status,
        detailUrl: `/v1/subscriptions/${encodeURIComponent(record.itemId)}`,
        ...(record.errorMessage ? { errorMessage: record.errorMessage } : {}),
      };
      this.entries.set(record.itemId, entry);
      changed.push(entry);
    }
    return changed;
  }

  /** Entries whose status is complete or failed. */
  get badge(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.status !== 'in_progress') count += 1;
    return count;
  }

  /** The center as `GET /v1/notifications` answers it, newest first. */
  view(): { badge: number; items: Array<Omit<CenterEntry, 'seq'>> } {
    const items = [...this.entries.values()].sort((a, b) => b.seq - a.seq).map(({ seq: _seq, ...entry }) => entry);
    return { badge: this.badge, items };
  }
}
