// A whole product in a temp directory for scenario tests: the store, the simulators over their
// own store, and an engine with fast retry policies; closed and removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, type Engine, type EngineOptions, type ItemDetail } from '../../src/engine/index.ts';
import { openStore, openThirdPartyStore, type EngineStore, type ThirdPartyStore } from '../../src/store/index.ts';
import { createSimulators, type Simulators } from '../../src/sim/index.ts';
import { Refusal, parsePurchase, type Connectors, type RetryPolicy, type StepName } from '../../src/domain/index.ts';
import type { ActionCall } from '../../src/machines/index.ts';

/** Retries in milliseconds, so a test with transient failures takes well under a second. */
export const FAST_RETRY: RetryPolicy = { baseDelayMs: 5, factor: 2, maxDelayMs: 20, budgetMs: 2_000 };

/** Fast retries for every step that calls a third party. */
export const FAST_RETRIES: Partial<Record<StepName | ActionCall, RetryPolicy>> = Object.fromEntries(
  ([
    'ADDRSTD', 'AUTHCC', 'FINDADDRESSOCCUPANT', 'CREATESUBSCRIBER', 'ADDADDRESSOCCUPANT', 'ADDSUBSCRIPTION',
    'CCFUNDCAPTURE', 'PAYMENTNEWSTART', 'UPDATEPAYMENTTRAN', 'LINKOWNER', 'CHGEMAILPREF',
  ] as const).map((call) => [call, FAST_RETRY]),
);

/** A purchase body with sensible defaults; `overrides` replace top-level fields. */
export function purchaseBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerId: 'cust-1',
    subscriber: { firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' },
    deliveryAddress: { line1: '1 Main St', unit: '4B', city: 'Springfield', postalCode: '12345', country: 'US' },
    payment: { gateway: 'payway', token: 'tok_visa' },
    items: [{ offerId: 'daily-digital' }],
    ...overrides,
  };
}

/** One test's product. */
export interface World {
  dir: string;
  store: EngineStore;
  thirdParty: ThirdPartyStore;
  sims: Simulators;
  engine: Engine;
  /** Stops the engine and closes the stores (once); the directory stays for a restart. */
  close(): Promise<void>;
  /** The item once it is no longer in progress; fails the test for an unknown or aborted item. */
  settled(itemId: string): Promise<ItemDetail>;
  /** Places a purchase for the app `shop` with a fresh or given Idempotency-Key. */
  purchase(body?: Record<string, unknown>, key?: string, appId?: string): ReturnType<Engine['placeOrder']>;
}

let keys = 0;

/** Builds a world; `engineOptions` override the engine's (fast retries by default). */
export async function createWorld(
  t: TestContext,
  {
    wrapConnectors,
    wrapStore,
    ...engineOptions
  }: Partial<EngineOptions> & { wrapConnectors?: (connectors: Connectors) => Connectors; wrapStore?: (store: EngineStore) => EngineStore } = {},
  dir?: string,
): Promise<World> {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'engine-test-'));
  const opened = openStore(root);
  const store = wrapStore ? wrapStore(opened) : opened;
  const thirdParty = openThirdPartyStore(join(root, 'third-parties'));
  const sims = createSimulators({ store: thirdParty });
  const connectors = wrapConnectors ? wrapConnectors(sims.connectors) : sims.connectors;
  // The journal is pruned every 25 ms, so every scenario runs with pruning going on.
  const engine = createEngine({ store, connectors, retry: FAST_RETRIES, syncBudgetMs: 300, journalPruneEveryMs: 25, ...engineOptions });
  if (!store.getApp('shop')) await engine.putApp({ id: 'shop', name: 'Shop', processSync: false, lookupStrategy: 'email-only' });
  await engine.start();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await engine.stop();
      await store.close();
      await thirdParty.close();
    })());
  t.after(async () => {
    await close();
    if (!dir) rmSync(root, { recursive: true, force: true });
  });
  return {
    close,
    async settled(itemId) {
      const view = await engine.settled(itemId);
      if (!view) throw new Error(`item ${itemId} is unknown or its order was aborted`);
      return view;
    },
    dir: root,
    store,
    thirdParty,
    sims,
    engine,
    purchase: (body = purchaseBody(), key = `key-${++keys}`, appId = 'shop') =>
      engine.placeOrder({ appId, idempotencyKey: key, purchase: parsePurchase(body) }),
  };
}

/** A world with the consumer app `lte`, whose purchases wait for every step (processSync). */
export async function lteWorld(...args: Parameters<typeof createWorld>): Promise<World> {
  const world = await createWorld(...args);
  await world.engine.putApp({ id: 'lte', name: 'LTE', processSync: true, lookupStrategy: 'email-only' });
  return world;
}

/** The refusal `promise` rejects with; fails the test when it settles otherwise. */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Refusal, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}
