// The engine's event bus (eventemitter3): every durable change of an item's provisioning status,
// for the notification feed and live pages. Published only after the change is flushed.
import { EventEmitter } from 'eventemitter3';
import type { EventStatus, ItemView } from '../domain/index.ts';

/** An event row written by a transition: a step began, was retried, succeeded, failed... */
export interface StepOutcome {
  typeName: string;
  status: EventStatus;
  /** The status the row had before, or null for a new row. */
  previousStatus: EventStatus | null;
  attempts: number;
}

/** The events of the bus and their payloads. */
export interface EngineEvents {
  /** An item's view after a transition was flushed. */
  item: (view: ItemView) => void;
  /** Every event row a flushed transition wrote (for the metrics). */
  step: (outcome: StepOutcome) => void;
  /** A call failed transiently and waits to be tried again (step name, or compensation action). */
  retry: (call: string) => void;
}

/** A new, empty bus. */
export function createBus(): EventEmitter<EngineEvents> {
  return new EventEmitter<EngineEvents>();
}
