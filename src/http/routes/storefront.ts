// Storefront endpoints (API.md "Storefront", SPEC §5; session token): the notification center and
// its live stream, the subscription detail (ribbon and step progress) and its stream, and cancel.
// A session sees only its own customer's items: another's is 404.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ItemDetail } from '../../engine/index.ts';
import { CLOSED_MESSAGE } from '../../engine/index.ts';
import { callingSession, requireCredential, type AppEnv } from '../credentials.ts';
import type { GroupDeps } from '../deps.ts';
import { ProblemError } from '../problem.ts';
import { NotificationCenter, type CenterEntry } from '../notificationCenter.ts';
import { groupRoute, json, noBody, problems, streamQuery } from './schemas.ts';

const RIBBON: Record<ItemDetail['status'], string> = {
  in_progress: 'We are setting up your subscription.',
  complete: 'Your subscription is ready.',
  failed: 'We could not finish setting up your subscription; customer service has been told.',
  closed: CLOSED_MESSAGE,
  cancelled: 'This subscription is cancelled.',
};

const TERMINAL = new Set(['complete', 'failed', 'closed', 'cancelled']);

const entrySchema = z
  .object({ itemId: z.string(), name: z.string(), kind: z.string(), status: z.enum(['in_progress', 'complete', 'failed']), detailUrl: z.string(), errorMessage: z.string().optional() })
  .openapi('Notification');
const centerSchema = z.object({ badge: z.number().int(), items: z.array(entrySchema) }).openapi('NotificationCenter');
const progressSchema = z.object({ done: z.number().int(), total: z.number().int() });
const detailSchema = z
  .object({
    itemId: z.string(),
    name: z.string(),
    kind: z.string(),
    status: z.enum(['in_progress', 'complete', 'failed', 'closed', 'cancelled']),
    ribbon: z.object({ status: z.string(), message: z.string() }),
    currentStep: z.string().nullable(),
    progress: progressSchema,
    accountNumber: z.string().optional(),
    temporaryAccountNumber: z.string(),
    errorMessage: z.string().optional(),
  })
  .openapi('SubscriptionDetail');
const sse = { description: 'Server-Sent Events', content: { 'text/event-stream': { schema: z.string() } } };
const itemParams = z.object({ itemId: z.string().max(100) });
/** What an EventSource sends when it reconnects. */
const resumeHeaders = z.object({
  'last-event-id': z.string().max(100).optional().openapi({ description: 'The id of the last message the client saw: the stream goes on after it' }),
});

/** The id of the last message a reconnecting client saw: the header, or a polyfill's query parameter. */
function resumeFrom(c: Context<AppEnv>): string | undefined {
  return c.req.header('last-event-id') || c.req.query('lastEventId') || undefined; // empty is none
}

/** The subscription detail of API.md. */
function detailOf(item: ItemDetail) {
  return {
    itemId: item.itemId,
    name: item.name,
    kind: item.kind,
    status: item.status,
    ribbon: { status: item.status, message: (item.status === 'failed' || item.status === 'closed') && item.errorMessage ? item.errorMessage : RIBBON[item.status] },
    currentStep: item.currentStep,
    progress: item.progress,
    ...(item.accountNumber ? { accountNumber: item.accountNumber } : {}),
    temporaryAccountNumber: item.temporaryAccountNumber ?? '',
    ...(item.errorMessage ? { errorMessage: item.errorMessage } : {}),
  };
}

/** The status message of an item's stream. */
function statusMessageOf(item: ItemDetail) {
  return { itemId: item.itemId, status: item.status, currentStep: item.currentStep, progress: item.progress, ...(item.errorMessage ? { errorMessage: item.errorMessage } : {}) };
}

/** The id of a status message: what it says, so a reconnect tells which status the client saw. */
function statusId(item: ItemDetail): string {
  return `${item.status}.${item.progress.done}`;
}

/** Mounts the storefront endpoints. */
export function storefrontRoutes(app: OpenAPIHono<AppEnv>, { engine, access, streams, feed }: GroupDeps): void {
  const route = groupRoute('storefront', requireCredential(access, { kind: 'session' }));
  // EventSource cannot set headers: the streams also take the token as `?token=`.
  const streamRoute = groupRoute('storefront', requireCredential(access, { kind: 'session', allowQueryToken: true }));

  /** The session's center, up to now. */
  const centerOf = (c: Context<AppEnv>) => {
    const { appId, customerId, fromSeq } = callingSession(c);
    const center = new NotificationCenter(fromSeq);
    center.apply(engine.notifications(appId, customerId, fromSeq));
    return center;
  };
  /** The item, if it is the session's customer's. */
  const ownItem = (c: Context<AppEnv>, itemId: string): ItemDetail => {
    const { appId, customerId } = callingSession(c);
    const item = engine.getItem(itemId);
    if (!item || item.appId !== appId || item.customerId !== customerId) throw new ProblemError('not-found', `no item ${itemId} of this customer`);
    return item;
  };

  app.openapi(route({ method: 'get', path: '/v1/notifications', responses: { 200: json('The notification center', centerSchema), ...problems(401, 403) } }), (c) =>
    c.json(centerOf(c).view(), 200),
  );

  app.openapi(
    streamRoute({
      method: 'get',
      path: '/v1/notifications/stream',
      request: { query: streamQuery, headers: resumeHeaders },
      responses: { 200: sse, ...problems(401, 403) },
    }),
    (c) => {
      const { sessionId, appId, customerId } = callingSession(c);
      const lastEventId = Number(resumeFrom(c));
      const center = centerOf(c);
      return streams.serve(c, {
        owner: sessionId,
        open(send) {
          // Each entry with the badge as it stood after that entry.
          const sendAfter = (on: NotificationCenter) => {
            for (const record of engine.notifications(appId, customerId, on.seq)) {
              for (const entry of on.apply([record])) send(itemMessage(entry, on));
            }
          };
          let live = center;
          if (Number.isSafeInteger(lastEventId) && lastEventId >= center.fromSeq && lastEventId <= center.seq) {
            // A reconnect: what came after the last message it saw, each once.
            live = new NotificationCenter(center.fromSeq);
            live.apply(engine.notifications(appId, customerId, center.fromSeq).filter((entry) => entry.seq <= lastEventId));
            sendAfter(live);
          } else {
            send({ id: String(center.seq), event: 'snapshot', data: center.view() });
          }
          return feed.onCustomer(appId, customerId, () => sendAfter(live));
        },
      }) as never;
    },
  );

  app.openapi(route({ method: 'get', path: '/v1/subscriptions/{itemId}', request: { params: itemParams }, responses: { 200: json('The subscription detail', detailSchema), ...problems(401, 403, 404) } }), (c) =>
    c.json(detailOf(ownItem(c, c.req.valid('param').itemId)), 200),
  );

  app.openapi(
    streamRoute({
      method: 'get',
      path: '/v1/subscriptions/{itemId}/stream',
      request: { params: itemParams, query: streamQuery, headers: resumeHeaders },
      responses: { 200: sse, 204: { description: 'A reconnect whose Last-Event-ID is the finished item\'s final message: nothing more will come' }, ...problems(401, 403, 404) },
    }),
    (c) => {
      const { itemId } = c.req.valid('param');
      const item = ownItem(c, itemId);
      // A client that already saw the final message is told, with 204, that nothing more will
      // come (EventSource stops); any other reconnect gets the current status first, unless it
      // is the message the client saw last (nothing twice).
      const seen = resumeFrom(c);
      if (TERMINAL.has(item.status) && seen === statusId(item)) return c.body(null, 204) as never;
      return streams.serve(c, {
        owner: callingSession(c).sessionId,
        open(send, end) {
          let last = '';
          const update = () => {
            const item = engine.getItem(itemId);
            if (!item) return;
            const data = statusMessageOf(item);
            const text = JSON.stringify(data);
            if (text === last) return;
            const first = last === '';
            last = text;
            if (first && seen === statusId(item)) return;
            send({ id: statusId(item), event: 'status', data });
            if (TERMINAL.has(item.status)) end();
          };
          update(); // before listening: if it throws, no listener is left behind
          return feed.onItem(itemId, update);
        },
      }) as never;
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/subscriptions/{itemId}/cancel',
      request: { params: itemParams, ...noBody },
      responses: { 200: json('Cancelled: the circulation system recorded the stop', detailSchema), ...problems(401, 403, 404, 409, 502, 503) },
    }),
    async (c) => {
      const { itemId } = c.req.valid('param');
      ownItem(c, itemId);
      await engine.cancelItem(itemId);
      return c.json(detailOf(ownItem(c, itemId)), 200);
    },
  );
}

function itemMessage(entry: CenterEntry, center: NotificationCenter) {
  const { itemId, name, status, errorMessage } = entry;
  return { id: String(entry.seq), event: 'item', data: { itemId, name, status, badge: center.badge, ...(errorMessage ? { errorMessage } : {}) } };
}
