// One bus listener for every open stream: an item's change goes to the streams of that item and
// of its customer only, so a transition costs the same whether ten or ten thousand shoppers are
// connected. The listener is on the bus only while some stream listens (the engine builds no
// item views for a bus nobody listens to).
import type { EventEmitter } from 'eventemitter3';
import { customerKey, type EngineEvents } from '../engine/index.ts';
import type { ItemView } from '../domain/index.ts';

type Listener = (view: ItemView) => void;

/** Routes the engine's `item` events to the streams that asked for them. */
export class ItemFeed {
  private readonly byItem = new Map<string, Set<Listener>>();
  private readonly byCustomer = new Map<string, Set<Listener>>();
  private attached = false;

  constructor(private readonly bus: EventEmitter<EngineEvents>) {}

  /** Calls `listener` on every change of one item; returns how to stop. */
  onItem(itemId: string, listener: Listener): () => void {
    return this.add(this.byItem, itemId, listener);
  }

  /** Calls `listener` on every change of any item of one customer of one app; returns how to stop. */
  onCustomer(appId: string, customerId: string, listener: Listener): () => void {
    return this.add(this.byCustomer, customerKey(appId, customerId), listener);
  }

  private add(index: Map<string, Set<Listener>>, key: string, listener: Listener): () => void {
    const listeners = index.get(key) ?? index.set(key, new Set()).get(key)!;
    listeners.add(listener);
    if (!this.attached) {
      this.attached = true;
      this.bus.on('item', this.dispatch);
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && index.get(key) === listeners) index.delete(key);
      if (this.attached && this.byItem.size === 0 && this.byCustomer.size === 0) {
        this.attached = false;
        this.bus.off('item', this.dispatch);
      }
    };
  }

  private readonly dispatch = (view: ItemView): void => {
    // A listener may stop itself (a stream that ends) while its set is walked: Set allows that.
    this.byItem.get(view.itemId)?.forEach((listener) => listener(view));
    this.byCustomer.get(customerKey(view.appId, view.customerId))?.forEach((listener) => listener(view));
  };
}
