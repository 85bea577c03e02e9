// A CSR's address edit (SPEC §3, §6, §7): standardized again as at the purchase, refused when
// undeliverable, retried while the standardizer fails transiently, ended by a shutdown.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, Refusal, TransientError, type Connectors } from '../src/domain/index.ts';
import { createWorld, refusal } from './helpers/world.ts';
import { doeBody, failedStart, detail, child, refused } from './helpers/failedStarts.ts';

/** A world whose address standardizer answers as `standardizer.answer` says, counting its calls. */
async function withStandardizer(t: TestContext, syncBudgetMs: number) {
  const standardizer = { answer: 'pass' as 'refuse' | 'fail' | 'pass', calls: 0, onCall: () => {} };
  const world = await createWorld(t, {
    syncBudgetMs,
    wrapConnectors: (connectors) => ({
      ...connectors,
      addresses: {
        standardize: (request, context) => {
          standardizer.calls += 1;
          standardizer.onCall();
          if (standardizer.answer === 'refuse') return Promise.reject(new PermanentError('third-party', 'region-closed', 'this region is not served'));
          if (standardizer.answer === 'fail') return Promise.reject(new TransientError('standardizer down'));
          return connectors.addresses.standardize(request, context);
        },
      },
    }),
  });
  return { world, standardizer };
}

test('an edited address is standardized as at the purchase; an undeliverable one is refused and changes nothing', async (t) => {
  const world = await createWorld(t);
  const { item, startEventId } = await failedStart(world, doeBody());
  await assert.rejects(
    world.engine.updateStart(startEventId, { subscriber: { lastName: 'Doe' }, deliveryAddress: { postalCode: '00000' } }, 'alice'),
    (error: Refusal) => error.code === 'invalid' && error.issues.map((i) => i.path).join() === 'deliveryAddress.postalCode',
  );
  const untouched = detail(world, startEventId);
  assert.equal((untouched.data as any).deliveryAddress.postalCode, '12345');
  assert.equal((untouched.data as any).subscriber.lastName, "Doe's", 'nothing of a refused update is kept');
  assert.deepEqual(untouched.audit, []);

  const updated = await world.engine.updateStart(startEventId, { subscriber: { lastName: 'Doe' }, deliveryAddress: { city: '  new   york ', unit: '5c' } }, 'alice');
  assert.deepEqual((updated.data as any).deliveryAddress, { line1: '1 Main St', unit: '5C', city: 'New York', postalCode: '12345', country: 'US' });
  assert.deepEqual(
    detail(world, startEventId).audit[0].changes.sort((a, b) => a.field.localeCompare(b.field)),
    [
      { field: 'deliveryAddress.city', from: 'Springfield', to: 'New York' },
      { field: 'deliveryAddress.unit', from: '4B', to: '5C' },
      { field: 'subscriber.lastName', from: "Doe's", to: 'Doe' },
    ],
    'the audit trail records what the data became',
  );
  await world.engine.reprocessStart(startEventId, 'alice');
  assert.equal((await world.settled(item.itemId)).status, 'complete');
  const [addAddress] = child(world, startEventId, 'ADDADDRESSOCCUPANT');
  assert.equal((addAddress.data as any).address.city, 'New York', 'the later steps send the standardized address');
});

test('an address edit while address standardization is unavailable is refused as unavailable and changes nothing', async (t) => {
  const { world, standardizer } = await withStandardizer(t, 300);
  const { startEventId } = await failedStart(world, doeBody());
  standardizer.answer = 'fail';
  const before = standardizer.calls;
  await refused(world.engine.updateStart(startEventId, { deliveryAddress: { line1: '2 Side St' } }, 'alice'), 'unavailable');
  assert.ok(standardizer.calls - before > 1, 'transient failures are retried within the in-request budget');
  assert.equal((detail(world, startEventId).data as any).deliveryAddress.line1, '1 Main St');
  assert.deepEqual(detail(world, startEventId).audit, []);
  // An edit of the subscriber, with the address sent again unchanged, needs no standardization.
  await world.engine.updateStart(startEventId, { subscriber: { lastName: 'Doe' }, deliveryAddress: { line1: '1 Main St', city: 'Springfield' } }, 'alice');
  assert.equal(detail(world, startEventId).audit.length, 1);
});

test("an address edit the standardizer refuses for its own reasons is 502; a shutdown meanwhile ends its retries with 503", async (t) => {
  const { world, standardizer } = await withStandardizer(t, 10_000);
  const { startEventId } = await failedStart(world, doeBody());
  standardizer.answer = 'refuse';
  await refused(world.engine.updateStart(startEventId, { deliveryAddress: { line1: '2 Side St' } }, 'alice'), 'failed');
  standardizer.answer = 'fail';
  const firstCall = new Promise<void>((resolve) => (standardizer.onCall = resolve));
  const edit = world.engine.updateStart(startEventId, { deliveryAddress: { line1: '2 Side St' } }, 'alice');
  await firstCall;
  const before = standardizer.calls;
  world.engine.releaseWaits(); // what a SIGTERM does first
  await assert.rejects(edit, (error: Refusal) => error.code === 'unavailable' && /shutting down/.test(error.message));
  assert.equal(standardizer.calls, before, 'no call after the shutdown began');
  assert.equal((detail(world, startEventId).data as any).deliveryAddress.line1, '1 Main St');
  assert.deepEqual(detail(world, startEventId).audit, []);
});

test('a refused delivery address ends the retries of the billing address edited with it', async (t) => {
  let billingCalls = 0;
  const wrap = (c: Connectors): Connectors => ({
    ...c,
    addresses: {
      standardize: (request, context) => {
        if (request.field === 'billingAddress' && context.idempotencyKey.includes('/')) {
          billingCalls += 1;
          return Promise.reject(new TransientError('busy'));
        }
        return c.addresses.standardize(request, context);
      },
    },
  });
  const world = await createWorld(t, { wrapConnectors: wrap, syncBudgetMs: 2_000 });
  const { startEventId } = await failedStart(world, doeBody());
  billingCalls = 0;
  const error = await refusal(world.engine.updateStart(startEventId, {
    deliveryAddress: { postalCode: '00000' },
    billingAddress: { line1: '9 Other Rd', city: 'Shelbyville', postalCode: '54321', country: 'US' },
  } as never, 'carol'));
  assert.equal(error.code, 'invalid');
  const atAnswer = billingCalls;
  await sleep(300);
  assert.equal(billingCalls, atAnswer, 'no billing standardization after the answer');
});
