// Event Viewer endpoints (API.md "Event Viewer", SPEC §6; operator role csr): the list of new
// starts (or other types) with filters and cursor paging, a start's detail, and the three CSR
// actions on a failed start: update the allowed fields, reprocess, mark as closed.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { EVENT_STATUSES, EventStatus, STARTSTD_CODE, startUpdateSchema, stepByCode } from '../../domain/index.ts';
import { callingOperator, requireCredential, type AppEnv } from '../credentials.ts';
import type { GroupDeps } from '../deps.ts';
import { ProblemError } from '../problem.ts';
import { groupRoute, json, noBody, problems, wholeNumber } from './schemas.ts';

const eventSchema = z
  .object({
    eventId: z.string(),
    typeCode: z.number().int(),
    typeName: z.string(),
    status: z.number().int(),
    itemId: z.string(),
    orderId: z.string(),
    appId: z.string(),
    parentEventId: z.string().nullable(),
    reprocessOf: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    attempts: z.number().int(),
    errorMessage: z.string().nullable(),
    errorCategory: z.string().nullable(),
    accountNumber: z.string().nullable(),
  })
  .openapi('Event');
const withData = eventSchema.extend({ data: z.unknown() });
const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-01-31T12:00:00Z' });

const listQuery = z.strictObject({
  type: wholeNumber()
    .refine((code) => stepByCode(code) !== undefined, 'is not an event type code')
    .default(STARTSTD_CODE)
    .openapi({ default: STARTSTD_CODE }),
  status: wholeNumber()
    .refine((status) => (EVENT_STATUSES as readonly number[]).includes(status), `must be one of ${EVENT_STATUSES.join(', ')}`)
    .default(EventStatus.failed)
    .openapi({ enum: [...EVENT_STATUSES], default: EventStatus.failed }),
  from: isoTime.optional(),
  to: isoTime.optional(),
  accountNumber: z.string().max(50).optional(),
  q: z.string().max(200).optional(),
  app: z.string().max(100).optional(),
  limit: wholeNumber()
    .refine((limit) => limit >= 1 && limit <= 500, 'must be from 1 to 500')
    .default(50)
    .openapi({ minimum: 1, maximum: 500, default: 50 }),
  cursor: z.string().max(500).optional(),
});
const eventParams = z.object({ eventId: z.string().max(100) });

/** Mounts the Event Viewer endpoints. */
export function eventViewerRoutes(app: OpenAPIHono<AppEnv>, { engine, access }: GroupDeps): void {
  const csr = requireCredential(access, { kind: 'operator', role: 'csr' });
  const route = groupRoute('event-viewer', csr);

  app.openapi(
    route({
      method: 'get',
      path: '/v1/events',
      request: { query: listQuery },
      responses: { 200: json('A page of events, newest first', z.object({ items: z.array(eventSchema), nextCursor: z.string().nullable() })), ...problems(401, 403, 422) },
    }),
    (c) => {
      const { type, status, app: appId, from, to, ...rest } = c.req.valid('query');
      const toIso = (time: string | undefined) => (time === undefined ? undefined : new Date(time).toISOString());
      return c.json(engine.listEvents({ typeCode: type, status: status as EventStatus, appId, from: toIso(from), to: toIso(to), ...rest }), 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/events/{eventId}',
      request: { params: eventParams },
      responses: {
        200: json(
          'An event with its data, children (a new start\'s), the chart state, authorized amount, offer and audit trail',
          withData.extend({
            children: z.array(withData),
            state: z.unknown(),
            authorizedAmount: z.number().int().nullable(),
            offer: z.object({ offerId: z.string(), name: z.string(), rateCode: z.string(), price: z.number().int() }).optional(),
            audit: z.array(z.object({ at: z.string(), operator: z.string(), action: z.string(), changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })) })),
            compensationErrors: z.array(z.object({ action: z.string(), message: z.string(), category: z.string() })),
          }),
        ),
        ...problems(401, 403, 404),
      },
    }),
    (c) => {
      const { eventId } = c.req.valid('param');
      const detail = engine.getEventDetail(eventId);
      if (!detail) throw new ProblemError('not-found', `no event ${eventId}`);
      const audit = detail.audit.map(({ at, operator, action, changes }) => ({ at, operator, action, changes }));
      return c.json({ ...detail, audit } as never, 200);
    },
  );

  app.openapi(
    route({
      method: 'patch',
      path: '/v1/events/{eventId}',
      request: { params: eventParams, body: { content: { 'application/json': { schema: startUpdateSchema } }, required: true } },
      responses: { 200: json('The start, updated', withData), ...problems(401, 403, 404, 409, 422, 502, 503) },
    }),
    async (c) => c.json((await engine.updateStart(c.req.valid('param').eventId, c.req.valid('json'), callingOperator(c).name)) as never, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/events/{eventId}/reprocess',
      request: { params: eventParams, ...noBody },
      responses: { 202: json('Reprocessing from the failed step', z.object({ eventId: z.string(), itemId: z.string(), status: z.number().int() })), ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const { eventId, itemId, status } = await engine.reprocessStart(c.req.valid('param').eventId, callingOperator(c).name);
      return c.json({ eventId, itemId, status }, 202);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/events/{eventId}/close',
      request: { params: eventParams, ...noBody },
      responses: { 200: json('The start, closed (status 9)', withData), ...problems(401, 403, 404, 409) },
    }),
    async (c) => c.json((await engine.closeStart(c.req.valid('param').eventId, callingOperator(c).name)) as never, 200),
  );
}
