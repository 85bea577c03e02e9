// The product assembled from its configuration (src/product.ts): what `npm start` runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { parsePurchase } from '../src/domain/index.ts';
import { openProduct } from '../src/product.ts';
import { purchaseBody } from './helpers/world.ts';

test('the background retry policy comes from RETRY_BASE_MS, RETRY_MAX_MS and RETRY_BUDGET_MS', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'product-'));
  const product = openProduct(loadConfig({ DATA_DIR: dataDir, RETRY_BASE_MS: '10', RETRY_MAX_MS: '20', RETRY_BUDGET_MS: '150' }));
  t.after(async () => {
    await product.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const { engine, sims } = product;
  await engine.putApp({ id: 'shop', name: 'Shop', processSync: false, lookupStrategy: 'email-only' });
  await engine.start();
  await sims.controls.setOutage(true);
  const outcome = await engine.placeOrder({ appId: 'shop', idempotencyKey: 'k1', purchase: parsePurchase(purchaseBody()) });
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  const item = await engine.settled(outcome.items[0].itemId);
  assert.equal(item?.status, 'failed', 'the outage outlasts a 150 ms budget (the default is ten minutes)');
  const [lookup] = engine.getStartDetail(item.startEventId!)!.children.filter((e) => e.typeName === 'FINDADDRESSOCCUPANT');
  assert.equal(lookup.errorCategory, 'third-party');
  assert.ok(lookup.attempts >= 5, `waits of 10 to 20 ms over 150 ms: ${lookup.attempts} calls`);
});
