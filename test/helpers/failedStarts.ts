// Failed starts for the engine-level CSR tests: a start that failed, its detail and children,
// connectors whose stops are refused, and the assertion of a refusal by code.
import assert from 'node:assert/strict';
import { PermanentError, Refusal, type Connectors } from '../../src/domain/index.ts';
import { purchaseBody, type World } from './world.ts';

/** Places a purchase whose item fails, and waits for it to rest. */
export async function failedStart(world: World, body = purchaseBody()) {
  const outcome = await world.purchase(body);
  if (outcome.kind !== 'accepted') assert.fail(outcome.kind);
  const item = await world.settled(outcome.items[0].itemId);
  assert.equal(item.status, 'failed');
  return { item, startEventId: item.startEventId! };
}

/** A purchase body whose subscriber CREATESUBSCRIBER refuses (SPEC §7: an apostrophe in the last name). */
export const doeBody = () => purchaseBody({ subscriber: { firstName: 'John', lastName: "Doe's", email: 'john@example.com' } });

/** The start's detail, as the Event Viewer reads it. */
export const detail = (world: World, startEventId: string) => world.engine.getStartDetail(startEventId)!;

/** The start's child events of one step. */
export const child = (world: World, startEventId: string, type: string) => detail(world, startEventId).children.filter((e) => e.typeName === type);

/** Connectors whose circulation system refuses every stop of a subscription for good. */
export const refusingStops = (message: string) => (connectors: Connectors): Connectors => ({
  ...connectors,
  circulation: Object.assign(Object.create(connectors.circulation), {
    stopSubscription: () => Promise.reject(new PermanentError('third-party', 'stop-refused', message)),
  }),
});

/** Asserts that the promise is refused with `code`. */
export async function refused(promise: Promise<unknown>, code: string, message?: string) {
  await assert.rejects(promise, (error: Refusal) => error instanceof Refusal && error.code === code, message);
}
