// The append-only journal of transitions (DESIGN.md "lean journal"): one record per transition at
// [shard, position]; recovery replays each unfinished item's records after its last snapshot, and
// records no recovery can need any more are pruned.
import type { Tables } from './tables.ts';
import type { StoredItemState } from './types.ts';

/** The journal's positions per shard, and the reads and pruning over it. */
export class Journal {
  private readonly lastPositions = new Map<number, number>();

  constructor(private readonly t: Tables) {}

  /** Appends an item's event to its shard (in the transaction of this turn); returns its position. */
  append(shard: number, itemId: string, event: unknown): { position: number; written: Promise<boolean> } {
    const position = this.lastPosition(shard) + 1;
    this.lastPositions.set(shard, position);
    return { position, written: this.t.journal.put([shard, position], { itemId, event }) };
  }

  /** The last position of a shard, read once from the end of its key range. */
  lastPosition(shard: number): number {
    let last = this.lastPositions.get(shard);
    if (last === undefined) {
      const [entry] = this.t.journal.getRange({ start: [shard, Number.MAX_SAFE_INTEGER], end: [shard, 0], reverse: true, limit: 1 });
      last = entry ? (entry.key as [number, number])[1] : 0;
      this.lastPositions.set(shard, last);
    }
    return last;
  }

  /** Every unfinished item's last snapshot with the journalled events after it, oldest first. */
  unfinishedItems(): StoredItemState[] {
    const { t } = this;
    const found = new Map<string, StoredItemState & { seq: number }>();
    const fromSeq = new Map<number, number>();
    for (const { key } of t.unfinished.getRange()) {
      const itemId = (key as [number, string])[1];
      const state = t.states.get(itemId);
      if (!state) continue;
      found.set(itemId, { itemId, shard: state.shard, seq: state.seq, snapshot: state.snapshot, events: [] });
      fromSeq.set(state.shard, Math.min(fromSeq.get(state.shard) ?? Infinity, state.seq));
    }
    // One pass over each shard's journal tail replays every unfinished item at once.
    for (const [shard, from] of fromSeq) {
      for (const { key, value } of t.journal.getRange({ start: [shard, from + 1], end: [shard, Number.MAX_SAFE_INTEGER] })) {
        const item = found.get(value.itemId);
        if (item && (key as [number, number])[1] > item.seq) item.events.push(value.event);
      }
    }
    return [...found.values()].map(({ seq: _seq, ...item }) => item);
  }

  /** Drops up to `limit` records below every unfinished item's snapshot; resolves to how many went. */
  async prune(limit: number): Promise<number> {
    const { t } = this;
    // Per shard, the oldest snapshot position an unfinished item still replays from.
    const keep = new Map<number, number>();
    for (const { key } of t.unfinished.getRange()) {
      const [shard, itemId] = key as [number, string];
      const seq = t.states.get(itemId)?.seq ?? 0;
      keep.set(shard, Math.min(keep.get(shard) ?? Infinity, seq));
    }
    let removed = 0;
    let last: Promise<boolean> | undefined;
    let [next] = t.journal.getRange({ limit: 1 });
    while (next && removed < limit) {
      const shard = (next.key as [number, number])[0];
      // Replay reads after a snapshot's position, so records up to it go; a shard's last record
      // always stays, because it numbers the next ones after a reopen.
      const upTo = Math.min(keep.get(shard) ?? Infinity, this.lastPosition(shard) - 1);
      for (const { key } of t.journal.getRange({ start: [shard, 0], end: [shard, upTo + 1], limit: limit - removed })) {
        last = t.journal.remove(key);
        removed += 1;
      }
      [next] = t.journal.getRange({ start: [shard + 1, 0], limit: 1 });
    }
    if (last) await last;
    return removed;
  }
}
