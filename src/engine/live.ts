// An item in flight: its actor, what it is doing now, and what is known to be on disk.
import type { Actor, SnapshotFrom } from 'xstate';
import type { ItemRecord } from '../domain/index.ts';
import type { ActiveCall, NewStartMachine } from '../machines/index.ts';

/** A chart snapshot. */
export type Snapshot = SnapshotFrom<NewStartMachine>;

/** An item with an actor in memory. */
export interface Live {
  item: ItemRecord;
  actor: Actor<NewStartMachine>;
  snapshot: Snapshot;
  /** The call `snapshot` is at, worked out once per transition. */
  call: ActiveCall | null;
  timer: NodeJS.Timeout | null;
  /** The occupant lock this item holds, if any. */
  lock: string | null;
  /** Transitions journalled since the last full snapshot was written. */
  sinceSnapshot: number;
  /** The last snapshot known to be flushed: what waiters and readers may be told. */
  committed: Snapshot;
}
