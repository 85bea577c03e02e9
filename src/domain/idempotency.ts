// Idempotency keys of third-party calls (SPEC §3): stable for one item and one call across
// retries, restarts and reprocessing, so no third party performs one step twice.

/** The idempotency key of one step or action of one item. */
export function callKey(itemId: string, call: string): string {
  return `${itemId}/${call}`;
}
