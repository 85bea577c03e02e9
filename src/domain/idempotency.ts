// Idempotency keys of third-party calls (SPEC §3): stable for one item and one call across
// retries, restarts and reprocessing, so no third party performs one step twice.

/** What the engine asks a third party to do besides the steps. */
export type ActionName = 'void' | 'refund' | 'stop-subscription' | 'mail';

/** The idempotency key of one step or action of one item. */
export function callKey(itemId: string, call: string): string {
  return `${itemId}/${call}`;
}
