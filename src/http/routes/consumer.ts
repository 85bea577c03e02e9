// Consumer-app endpoints (API.md "Consumer app", SPEC §3–§5): storefront sessions, purchases with
// their Idempotency-Key, and orders. Every one needs the app's key; an app sees only its own.
import type { IncomingMessage } from 'node:http';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { purchaseSchema, type ItemView } from '../../domain/index.ts';
import type { OrderOutcome, PlacedItem } from '../../engine/index.ts';
import { callingApp, requireCredential, type AppEnv } from '../credentials.ts';
import type { GroupDeps } from '../deps.ts';
import { problemBody, ProblemError, PROBLEMS, httpStatusOf } from '../problem.ts';
import { groupRoute, json, noBody, problems } from './schemas.ts';

/** RFC 9110 field values: printable ASCII; SPEC §9: 1 to 255 characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

const requireIdempotencyKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (key === undefined || key === '') throw new ProblemError('bad-request', 'the Idempotency-Key header is required: send a unique value per purchase');
  // Node joins a header sent twice into one value ("a, b"): over a socket, the header lines tell.
  const lines = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.headersDistinct['idempotency-key'];
  if (lines && lines.length > 1) throw new ProblemError('bad-request', 'the Idempotency-Key header was sent more than once: send one key per purchase');
  if (!IDEMPOTENCY_KEY.test(key)) throw new ProblemError('bad-request', 'the Idempotency-Key header must be 1 to 255 printable characters');
  await next();
};

const placedItem = z.object({
  itemId: z.string(),
  startEventId: z.string(),
  temporaryAccountNumber: z.string().optional(),
  accountNumber: z.string().optional(),
  status: z.string(),
  failedStep: z.string().optional(),
  errorMessage: z.string().optional(),
});
const orderItem = z
  .object({
    itemId: z.string(),
    name: z.string(),
    kind: z.string(),
    status: z.enum(['in_progress', 'complete', 'failed', 'closed', 'cancelled']),
    accountNumber: z.string().optional(),
    temporaryAccountNumber: z.string(),
    currentStep: z.string().nullable(),
    errorMessage: z.string().optional(),
  })
  .openapi('OrderItem');

/** The answer a purchase outcome gets: its status and body (also what a repeated key replays). */
function answerOf(outcome: Exclude<OrderOutcome, { kind: 'replay' }>, instance: string): { status: number; body: Record<string, unknown> } {
  const items = (fields: Array<keyof PlacedItem>) => outcome.items.map((item) => Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])));
  switch (outcome.kind) {
    case 'accepted':
      return {
        status: 202,
        body: {
          orderId: outcome.orderId,
          status: 'provisioning',
          message: 'The order is accepted; every item now provisions in the background.',
          items: items(['itemId', 'startEventId', 'temporaryAccountNumber', 'status']),
        },
      };
    case 'complete':
      return { status: 201, body: { orderId: outcome.orderId, status: 'complete', items: items(['itemId', 'startEventId', 'accountNumber', 'status']) } };
    case 'failed':
      return {
        status: PROBLEMS['provisioning-failed'].status,
        body: problemBody('provisioning-failed', 'A provisioning step failed; the start waits in the Event Viewer for customer service.', instance, {
          orderId: outcome.orderId,
          items: items(['itemId', 'startEventId', 'temporaryAccountNumber', 'accountNumber', 'status', 'failedStep', 'errorMessage']),
        }),
      };
  }
}

/** An order item as API.md shows it. */
function orderItemOf(item: ItemView) {
  return {
    itemId: item.itemId,
    name: item.name,
    kind: item.kind,
    status: item.status,
    ...(item.accountNumber ? { accountNumber: item.accountNumber } : {}),
    temporaryAccountNumber: item.temporaryAccountNumber ?? '',
    currentStep: item.currentStep,
    ...(item.errorMessage ? { errorMessage: item.errorMessage } : {}),
  };
}

/** Mounts the consumer-app endpoints. */
export function consumerRoutes(app: OpenAPIHono<AppEnv>, { engine, access, metrics, streams }: GroupDeps): void {
  const appKey = requireCredential(access, { kind: 'app' });
  const route = groupRoute('consumer', appKey);
  const purchaseRoute = groupRoute('consumer', appKey, requireIdempotencyKey);

  app.openapi(
    route({
      method: 'post',
      path: '/v1/sessions',
      request: { body: { content: { 'application/json': { schema: z.strictObject({ customerId: purchaseSchema.shape.customerId }) } }, required: true } },
      responses: { 201: json('The session; the token is shown once', z.object({ sessionId: z.string(), sessionToken: z.string() })), ...problems(401, 403, 422) },
    }),
    async (c) => c.json(await access.openSession(callingApp(c).id, c.req.valid('json').customerId), 201),
  );
  app.openapi(
    route({
      method: 'delete',
      path: '/v1/sessions/{sessionId}',
      request: { params: z.object({ sessionId: z.string().max(100) }), ...noBody },
      responses: { 204: { description: 'Logged out: the token opens nothing more and its streams end' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { sessionId } = c.req.valid('param');
      if (!(await access.endSession(callingApp(c).id, sessionId))) throw new ProblemError('not-found', `this app has no session ${sessionId}`);
      streams.endOwner(sessionId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    purchaseRoute({
      method: 'post',
      path: '/v1/purchases',
      request: {
        headers: z.object({ 'idempotency-key': z.string().openapi({ description: 'Unique per purchase, 1 to 255 printable characters' }) }),
        body: { content: { 'application/json': { schema: purchaseSchema } }, required: true },
      },
      responses: {
        201: json('processSync: every step of every item succeeded', z.object({ orderId: z.string(), status: z.literal('complete'), items: z.array(placedItem) })),
        202: json('The synchronous part is done; items provision in the background', z.object({ orderId: z.string(), status: z.literal('provisioning'), message: z.string(), items: z.array(placedItem) })),
        ...problems(400, 401, 402, 403, 409, 422, 502, 503),
      },
    }),
    async (c) => {
      const started = performance.now();
      const { id: appId } = callingApp(c);
      const purchase = c.req.valid('json');
      const idempotencyKey = c.req.header('idempotency-key')!;
      try {
        const admitNew = () => {
          if (purchase.sessionId !== undefined && !access.isLiveSession(appId, purchase.sessionId, purchase.customerId)) {
            const message = `is not a live session of customer ${purchase.customerId}`;
            throw new ProblemError('invalid', `sessionId ${message}`, { errors: [{ path: 'sessionId', message }] });
          }
        };
        const outcome = await engine.placeOrder({ appId, idempotencyKey, purchase, admitNew, answerOf: (placed) => answerOf(placed, c.req.path) });
        const answer = outcome.kind === 'replay' ? outcome.answer : answerOf(outcome, c.req.path);
        metrics.countPurchase(answer.status, performance.now() - started);
        return replay(answer) as never;
      } catch (error) {
        metrics.countPurchase(httpStatusOf(error), performance.now() - started);
        throw error;
      }
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/orders/{orderId}',
      request: { params: z.object({ orderId: z.string().max(100) }) },
      responses: { 200: json('The order and its items', z.object({ orderId: z.string(), items: z.array(orderItem) })), ...problems(401, 403, 404) },
    }),
    (c) => {
      const { orderId } = c.req.valid('param');
      const order = engine.getOrder(orderId);
      // Another app's order is not found, as if it did not exist.
      if (!order || order.appId !== callingApp(c).id) throw new ProblemError('not-found', `no order ${orderId}`);
      return c.json({ orderId, items: order.items.map(orderItemOf) }, 200);
    },
  );
}

/** A kept answer, sent again as it was (problem bodies keep their media type). */
function replay(answer: { status: number; body: unknown }): Response {
  const type = answer.status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': type } });
}
