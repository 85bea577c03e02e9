// One bus listener for every open stream: an item's change goes to the streams of that item and
// of its customer only, so a transition costs the same whether ten or ten thousand shoppers are
// connected. The listener is on the bus only while some stream listens (the engine builds no
// item views for a bus nobody listens to). A stream whose listener throws is reported and the
// others still hear the change: the bus is called from the engine's commit path, which must not
// be stopped by a web page's stream.
import type { EventEmitter } from 'eventemitter3';
import { customerKey, type EngineEvents } from '../engine/index.ts';
import type { ItemView } from '../domain/index.ts';

type Listener = (view: ItemView) => void;

/** Routes the engine's `item` events to the streams that asked for them. */
export class ItemFeed {
  private readonly byItem = new Map<string, Set<Listener>>();
  private readonly byCustomer = new Map<string, Set<Listener>>();
  private attached = false;

  /**
   * @param bus the engine's bus
   * @param onError told of an error a stream's listener threw
   */
  constructor(
    private readonly bus: EventEmitter<EngineEvents>,
    private readonly onError: (error: unknown) => void,
  ) {}

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
    this.tell(this.byItem.get(view.itemId), view);
    this.tell(this.byCustomer.get(customerKey(view.appId, view.customerId)), view);
  };

  private tell(listeners: Set<Listener> | undefined, view: ItemView): void {
    if (!listeners) return;
    // A listener may stop itself (a stream that ends) while its set is walked: Set allows that.
    for (const listener of listeners) {
      try {
        listener(view);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
