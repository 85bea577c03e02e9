// Durable counters for the ids and account numbers the simulators hand out (SPEC §2.3, §7): the
// count lives in the system's store, so numbers stay unique across restarts.
import type { KeyValueStore } from '../domain/index.ts';
import type { Entry } from './effectRunner.ts';

/** The next number of the counter `name` (from 1), and the write that takes it, for the effect's batch. */
export function nextNumber(store: KeyValueStore, name: string): { value: number; entry: Entry } {
  const key = `counter/${name}`;
  const value = (store.get<number>(key) ?? 0) + 1;
  return { value, entry: [key, value] };
}
