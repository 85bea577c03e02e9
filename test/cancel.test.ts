// A shopper's cancel of a complete item (SPEC §5): only a complete one, answered once the
// circulation system records the stop, 503 while it cannot, 502 when it refuses for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, Refusal, type Connectors } from '../src/domain/index.ts';
import { createWorld } from './helpers/world.ts';
import { refusingStops, refused } from './helpers/failedStarts.ts';

test('a shopper may cancel a complete item, and only a complete one', async (t) => {
  const world = await createWorld(t);
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail();
  const itemId = outcome.items[0].itemId;
  await refused(world.engine.cancelItem(itemId), 'conflict');
  await world.settled(itemId);
  const cancelled = await world.engine.cancelItem(itemId);
  assert.equal(cancelled.status, 'cancelled');
  await refused(world.engine.cancelItem(itemId), 'conflict');
  await world.settled(itemId);
  assert.equal(world.sims.controls.ledger({ itemId }).filter((e) => e.operation === 'stop-subscription').length, 1);
});

test('a cancel answers once the stop is recorded; during an outage it is refused as unavailable and the stop goes on', async (t) => {
  const world = await createWorld(t, { cancelDeadlineMs: 300 });
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail();
  const itemId = outcome.items[0].itemId;
  await world.settled(itemId);
  await world.sims.controls.setOutage(true);
  await refused(world.engine.cancelItem(itemId), 'unavailable');
  assert.equal(world.engine.getItem(itemId)?.status, 'complete', 'complete until the circulation system records the stop');
  await refused(world.engine.cancelItem(itemId), 'unavailable', 'asking again waits for the same stop');
  const stops = () => world.sims.controls.ledger({ itemId }).filter((e) => e.operation === 'stop-subscription').length;
  assert.equal(stops(), 0);
  await world.sims.controls.setOutage(false);
  for (let waited = 0; world.engine.getItem(itemId)?.status !== 'cancelled'; waited += 50) {
    assert.ok(waited < 10_000, 'the stop is recorded once the outage ends');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(stops(), 1);
  await refused(world.engine.cancelItem(itemId), 'conflict');
});

test('a cancel whose stop the circulation system refuses for good fails (502) and the subscription stays complete', async (t) => {
  const world = await createWorld(t, { wrapConnectors: refusingStops('the account is locked') });
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail();
  const itemId = outcome.items[0].itemId;
  await world.settled(itemId);
  await assert.rejects(world.engine.cancelItem(itemId), (error: Refusal) => error.code === 'failed' && /the account is locked/.test(error.message));
  assert.equal(world.engine.getItem(itemId)?.status, 'complete');
  assert.deepEqual(world.engine.getStartDetail(outcome.items[0].startEventId)!.compensationErrors.map((e) => e.action), ['stop-subscription']);
});

test('a cancel whose stop was refused for good, asked again once the refusal ends, answers cancelled', async (t) => {
  let refuse = true;
  const wrap = (c: Connectors): Connectors => ({
    ...c,
    circulation: Object.assign(Object.create(c.circulation), {
      stopSubscription: (...args: Parameters<Connectors['circulation']['stopSubscription']>) =>
        refuse ? Promise.reject(new PermanentError('third-party', 'stop-refused', 'locked')) : c.circulation.stopSubscription(...args),
    }),
  });
  const world = await createWorld(t, { wrapConnectors: wrap });
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail();
  const itemId = outcome.items[0].itemId;
  await world.settled(itemId);
  await refused(world.engine.cancelItem(itemId), 'failed');
  refuse = false;
  const view = await world.engine.cancelItem(itemId);
  assert.equal(view.status, 'cancelled');
});
