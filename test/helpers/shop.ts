// A storefront scene for in-process HTTP tests: a consumer app, a customer's session, and a way to
// buy in it.
import assert from 'node:assert/strict';
import type { HttpWorld } from './httpWorld.ts';
import { purchaseBody } from './world.ts';

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

/** An app with a session of `customerId`; `buy` places a one-item purchase in it and returns the item id. */
export async function shop(h: HttpWorld, customerId = 'cust-1', appId = 'store') {
  const key = await h.newApp(appId);
  const session = (await json(await h.request('POST', '/v1/sessions', { token: key, body: { customerId } }))).body as { sessionId: string; sessionToken: string };
  let n = 0;
  const buy = async (overrides: Record<string, unknown> = {}) => {
    const placed = await json(
      await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ customerId, sessionId: session.sessionId, ...overrides }), headers: { 'idempotency-key': `${customerId}-${++n}` } }),
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    return placed.body.items[0].itemId as string;
  };
  return { key, session, buy };
}
