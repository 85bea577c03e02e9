// The engine's event bus (eventemitter3): every durable change of an item's provisioning status,
// for the notification feed and live pages. Published only after the change is flushed.
import { EventEmitter } from 'eventemitter3';
import type { ItemView } from '../domain/index.ts';

/** The events of the bus and their payloads. */
export interface EngineEvents {
  /** An item's view after a transition was flushed. */
  item: (view: ItemView) => void;
}

/** A new, empty bus. */
export function createBus(): EventEmitter<EngineEvents> {
  return new EventEmitter<EngineEvents>();
}
