// The authorization matrix (SPEC §9, API.md "Start-up and credentials"): every endpoint against
// every kind of credential. None or unknown: 401; a known credential of the wrong kind or role:
// 403; another app's order or another customer's item: 404; the right one gets through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpWorld } from '../helpers/httpWorld.ts';
import { purchaseBody } from '../helpers/world.ts';

type Caller = 'none' | 'unknown' | 'app' | 'otherApp' | 'session' | 'otherSession' | 'csr' | 'admin';
const CALLERS: Caller[] = ['none', 'unknown', 'app', 'otherApp', 'session', 'otherSession', 'csr', 'admin'];

interface Endpoint {
  method: string;
  path: string;
  body?: () => unknown;
  headers?: () => Record<string, string>;
  /** Who gets through, with the status they get; everyone else follows the rules above. */
  allowed: Partial<Record<Caller, number>>;
  public?: boolean;
  /** Callers tried elsewhere (the owner's logout, which ends the session the rows use). */
  skip?: Caller[];
}

test('every endpoint × every credential kind gives the expected status', async (t) => {
  const h = await createHttpWorld(t);
  const appKey = await h.newApp('store');
  const otherAppKey = await h.newApp('other');
  const csr = await h.newOperator('casey', 'csr');
  const session = (await (await h.request('POST', '/v1/sessions', { token: appKey, body: { customerId: 'cust-1' } })).json()) as { sessionId: string; sessionToken: string };
  const otherSession = (await (await h.request('POST', '/v1/sessions', { token: appKey, body: { customerId: 'cust-2' } })).json()) as { sessionToken: string };
  const placed = (await (await h.request('POST', '/v1/purchases', { token: appKey, body: purchaseBody(), headers: { 'idempotency-key': 'matrix' } })).json()) as any;
  const { itemId, startEventId } = placed.items[0];
  await h.world.settled(itemId);
  const tokens: Record<Caller, string | undefined> = {
    none: undefined,
    unknown: 'op_not-a-token-anyone-holds',
    app: appKey,
    otherApp: otherAppKey,
    session: session.sessionToken,
    otherSession: otherSession.sessionToken,
    csr,
    admin: h.adminToken,
  };
  let n = 0;
  const unique = () => `u${++n}`;
  const operator = { csr: 200, admin: 200 };
  const endpoints: Endpoint[] = [
    { method: 'GET', path: '/healthz', allowed: {}, public: true },
    { method: 'GET', path: '/readyz', allowed: {}, public: true },
    { method: 'GET', path: '/metrics', allowed: {}, public: true },
    { method: 'GET', path: '/openapi.json', allowed: {}, public: true },
    { method: 'GET', path: '/docs', allowed: {}, public: true },
    { method: 'GET', path: '/v1/machines', allowed: operator },
    { method: 'GET', path: '/v1/machines/new-start', allowed: operator },
    { method: 'GET', path: '/v1/machines/new-start/mermaid', allowed: operator },
    { method: 'GET', path: `/v1/items/${itemId}/state`, allowed: operator },
    { method: 'GET', path: '/v1/events', allowed: operator },
    { method: 'GET', path: `/v1/events/${startEventId}`, allowed: operator },
    { method: 'PATCH', path: `/v1/events/${startEventId}`, body: () => ({ subscriber: { lastName: 'Roe' } }), allowed: { csr: 409, admin: 409 } },
    { method: 'POST', path: `/v1/events/${startEventId}/reprocess`, allowed: { csr: 409, admin: 409 } },
    { method: 'POST', path: `/v1/events/${startEventId}/close`, allowed: { csr: 409, admin: 409 } },
    { method: 'POST', path: '/v1/consumer-apps', body: () => ({ id: unique(), name: 'N' }), allowed: { admin: 201 } },
    { method: 'PATCH', path: '/v1/consumer-apps/other', body: () => ({ processSync: false }), allowed: { admin: 200 } },
    { method: 'GET', path: '/v1/event-types', allowed: { admin: 200 } },
    { method: 'PATCH', path: '/v1/event-types/3', body: () => ({}), allowed: { admin: 200 } },
    { method: 'PUT', path: '/v1/offers/weekend', body: () => ({ name: 'Weekend', rateCode: 'WEEKEND-2DAY', price: 1299 }), allowed: { admin: 200 } },
    { method: 'GET', path: '/v1/offers/weekend', allowed: { admin: 200 } },
    { method: 'GET', path: '/v1/offers', allowed: { admin: 200 } },
    { method: 'POST', path: '/v1/operators', body: () => ({ name: unique(), role: 'csr' }), allowed: { admin: 201 } },
    { method: 'POST', path: '/v1/sim/circulation/outage', body: () => ({ on: false }), allowed: { admin: 200 } },
    { method: 'POST', path: '/v1/sim/latency', body: () => ({ ms: 0 }), allowed: { admin: 200 } },
    { method: 'GET', path: '/v1/sim/ledger', allowed: { admin: 200 } },
    { method: 'GET', path: '/v1/sim/outbox', allowed: { admin: 200 } },
    { method: 'POST', path: '/v1/sessions', body: () => ({ customerId: 'cust-9' }), allowed: { app: 201, otherApp: 201 } },
    { method: 'DELETE', path: `/v1/sessions/${session.sessionId}`, allowed: { otherApp: 404 }, skip: ['app'] },
    { method: 'POST', path: '/v1/purchases', body: () => purchaseBody({ customerId: unique() }), headers: () => ({ 'idempotency-key': unique() }), allowed: { app: 202, otherApp: 202 } },
    { method: 'GET', path: `/v1/orders/${placed.orderId}`, allowed: { app: 200, otherApp: 404 } },
    { method: 'GET', path: '/v1/notifications', allowed: { session: 200, otherSession: 200 } },
    { method: 'GET', path: '/v1/notifications/stream', allowed: { session: 200, otherSession: 200 } },
    { method: 'GET', path: `/v1/subscriptions/${itemId}`, allowed: { session: 200, otherSession: 404 } },
    { method: 'GET', path: `/v1/subscriptions/${itemId}/stream`, allowed: { session: 200, otherSession: 404 } },
    { method: 'POST', path: `/v1/subscriptions/${itemId}/cancel`, allowed: { session: 200, otherSession: 404 } },
  ];
  const mismatches: string[] = [];
  for (const endpoint of endpoints) {
    for (const caller of CALLERS) {
      if (endpoint.skip?.includes(caller)) continue;
      const expected = endpoint.public ? 200 : (endpoint.allowed[caller] ?? (caller === 'none' || caller === 'unknown' ? 401 : 403));
      const response = await h.request(endpoint.method, endpoint.path, { token: tokens[caller], body: endpoint.body?.(), headers: endpoint.headers?.() });
      await response.body?.cancel();
      if (response.status !== expected) mismatches.push(`${endpoint.method} ${endpoint.path} as ${caller}: ${response.status}, expected ${expected}`);
    }
  }
  assert.deepEqual(mismatches, []);
  // Logging out is the owner's: last, since it ends the session the rows above used.
  assert.equal((await h.request('DELETE', `/v1/sessions/${session.sessionId}`, { token: appKey })).status, 204);
  assert.equal((await h.request('GET', '/v1/notifications', { token: session.sessionToken })).status, 401);
});

test('a problem body names the credential it needs; a wrong role is 403 with the role', async (t) => {
  const h = await createHttpWorld(t);
  const csr = await h.newOperator('casey', 'csr');
  const none = await h.request('GET', '/v1/offers');
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('content-type'), 'application/problem+json');
  assert.equal(none.headers.get('www-authenticate'), 'Bearer');
  assert.match(((await none.json()) as { detail: string }).detail, /role admin/);
  const role = await h.request('GET', '/v1/offers', { token: csr });
  assert.equal(role.status, 403);
  assert.match(((await role.json()) as { detail: string }).detail, /casey has csr/);
});
