// What one transition writes of an item's state (DESIGN.md, "lean journal"): a journal record
// always; the full snapshot only where recovery should not have to replay much; the unfinished
// flag when the item comes to rest or leaves it.
import type { SnapshotFrom } from 'xstate';
import type { ItemRecord } from '../domain/index.ts';
import { persistSnapshot, restsAt, type ActiveCall, type NewStartEvent, type NewStartMachine } from '../machines/index.ts';
import type { ItemStateWrite } from '../store/index.ts';

/**
 * A full snapshot is written at rest, when a background call starts waiting to retry (an item may
 * wait long, as in an outage, and recovery then restores it without replaying its retries), and at
 * least every this many transitions, to bound replay.
 */
const SNAPSHOT_EVERY = 16;

/**
 * A wait that may last: a retry of a background step or an action. The synchronous part's waits
 * end within its request (and a crash there aborts the order). So every background transition
 * whose path depends on the retry policy (a transient failure: it waits, or gives up and rests)
 * writes a full snapshot, and replay never re-decides a retry under a policy (RETRY_*) changed since.
 */
function waitsLong(call: ActiveCall | null): boolean {
  return call?.phase === 'waitingToRetry' && call.meta.step?.sync !== true;
}

/**
 * The state write of a transition from a snapshot at `prevCall` to `next` at `nextCall`, the
 * `sinceSnapshot`-th transition journalled since the last full snapshot; `snapshotted` tells
 * whether this one writes a full snapshot (the count starts again).
 */
export function stateWrite(
  item: ItemRecord,
  event: NewStartEvent,
  next: SnapshotFrom<NewStartMachine>,
  prevCall: ActiveCall | null,
  nextCall: ActiveCall | null,
  sinceSnapshot: number,
): { write: ItemStateWrite; snapshotted: boolean } {
  const wasAtRest = restsAt(prevCall);
  const atRest = restsAt(nextCall);
  const snapshotted = atRest || waitsLong(nextCall) || sinceSnapshot >= SNAPSHOT_EVERY;
  return {
    snapshotted,
    write: {
      itemId: item.itemId,
      shard: item.shard,
      event,
      snapshot: snapshotted ? persistSnapshot(next) : undefined,
      unfinished: wasAtRest === atRest ? undefined : !atRest,
    },
  };
}
