// How a new-start snapshot is stored: its version, status, state value and context, nothing else.
// The chart has no child actors and no history states, so XState's getPersistedSnapshot (which
// walks the context looking for actors) adds cost and nothing a restore needs.
import type { StateValue } from 'xstate';
import type { NewStartContext } from './newStart.ts';

/** Bumped whenever a change to the chart makes stored snapshots unreadable by the new one. */
export const NEW_START_VERSION = 1;

/** A stored snapshot, plain JSON. */
export interface StoredSnapshot {
  version: number;
  status: 'active' | 'done' | 'error' | 'stopped';
  value: StateValue;
  context: NewStartContext;
}

/** The stored form of a snapshot. */
export function persistSnapshot(snapshot: { status: StoredSnapshot['status']; value: StateValue; context: NewStartContext }): StoredSnapshot {
  return { version: NEW_START_VERSION, status: snapshot.status, value: snapshot.value, context: snapshot.context };
}

/** What `createActor(machine, { snapshot })` takes back; throws for a snapshot of another version. */
export function restorableSnapshot(stored: StoredSnapshot): StoredSnapshot & { children: Record<string, never>; historyValue: Record<string, never> } {
  if (stored.version !== NEW_START_VERSION) {
    throw new Error(`a stored new-start snapshot has version ${stored.version}; this chart reads version ${NEW_START_VERSION}`);
  }
  return { ...stored, children: {}, historyValue: {} };
}
