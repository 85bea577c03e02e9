// Admin endpoints (API.md "Admin", operator role admin): consumer apps (key shown once), event-type
// toggles, offers, operators (token shown once), and the simulators' switches, ledger and outbox.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { identifier, plainText, stepByCode } from '../../domain/index.ts';
import { requireCredential, type AppEnv } from '../credentials.ts';
import type { GroupDeps } from '../deps.ts';
import { ProblemError } from '../problem.ts';
import { groupRoute, json, problems, wholeNumber } from './schemas.ts';

const id = identifier();
const lookupStrategy = z.enum(['email-only', 'standard']);
const appSchema = z.object({ id: z.string(), name: z.string(), processSync: z.boolean(), lookupStrategy }).openapi('ConsumerApp');
const eventTypeSchema = z
  .object({ code: z.number().int(), name: z.string(), sync: z.boolean(), viewInEventViewer: z.boolean(), allowResubmit: z.boolean() })
  .openapi('EventType');
const offerSchema = z.object({ offerId: z.string(), name: z.string(), rateCode: z.string(), price: z.number().int() }).openapi('Offer');
const offerBody = z.strictObject({
  name: plainText().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  rateCode: plainText().trim().min(1, 'is required').max(50, 'must be at most 50 characters'),
  price: z.number().int('must be a whole number of cents').min(0, 'must not be negative').max(100_000_000, 'must be at most 100,000,000 cents'),
});
const ledgerEntry = z
  .object({
    system: z.string(),
    operation: z.string(),
    itemId: z.string(),
    idempotencyKey: z.string(),
    calls: z.number().int(),
    performedAt: z.string(),
    amount: z.number().int().optional(),
  })
  .openapi('LedgerEntry');
const outboxEntry = z.object({ to: z.string(), subject: z.string(), itemId: z.string(), accountNumber: z.string(), sentAt: z.string() }).openapi('Mail');

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

/** Mounts the admin endpoints. */
export function adminRoutes(app: OpenAPIHono<AppEnv>, { engine, access, sims }: GroupDeps): void {
  const admin = requireCredential(access, { kind: 'operator', role: 'admin' });
  const route = groupRoute('admin', admin);

  app.openapi(
    route({
      method: 'post',
      path: '/v1/consumer-apps',
      request: body(z.strictObject({ id, name: id, processSync: z.boolean().optional(), lookupStrategy: lookupStrategy.optional() })),
      responses: { 201: json('The app, with its key (shown once)', appSchema.extend({ apiKey: z.string() })), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      const { app: created, apiKey } = await access.createApp(c.req.valid('json'));
      return c.json({ ...created, apiKey }, 201);
    },
  );
  app.openapi(
    route({
      method: 'patch',
      path: '/v1/consumer-apps/{id}',
      request: { params: z.object({ id }), ...body(z.strictObject({ processSync: z.boolean().optional(), lookupStrategy: lookupStrategy.optional() })) },
      responses: { 200: json('The app (no key)', appSchema), ...problems(401, 403, 404, 422) },
    }),
    async (c) => c.json(await access.updateApp(c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    route({ method: 'get', path: '/v1/event-types', responses: { 200: json('Every event type', z.object({ items: z.array(eventTypeSchema) })), ...problems(401, 403) } }),
    (c) => c.json({ items: engine.listEventTypes() }, 200),
  );
  app.openapi(
    route({
      method: 'patch',
      path: '/v1/event-types/{code}',
      request: {
        params: z.object({ code: wholeNumber() }),
        ...body(z.strictObject({ viewInEventViewer: z.boolean().optional(), allowResubmit: z.boolean().optional() })),
      },
      responses: { 200: json('The type', eventTypeSchema), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      if (!stepByCode(code)) throw new ProblemError('not-found', `no event type has code ${code}`);
      return c.json(await engine.setEventTypeToggles(code, c.req.valid('json')), 200);
    },
  );

  const offerParams = z.object({ offerId: id });
  app.openapi(
    route({
      method: 'put',
      path: '/v1/offers/{offerId}',
      request: { params: offerParams, ...body(offerBody) },
      responses: { 200: json('Replaced', offerSchema), 201: json('Created', offerSchema), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const offer = { offerId: c.req.valid('param').offerId, ...c.req.valid('json') };
      const created = await engine.putOffer(offer);
      return created ? c.json(offer, 201) : c.json(offer, 200);
    },
  );
  app.openapi(
    route({ method: 'get', path: '/v1/offers/{offerId}', request: { params: offerParams }, responses: { 200: json('The offer', offerSchema), ...problems(401, 403, 404) } }),
    (c) => {
      const offer = engine.getOffer(c.req.valid('param').offerId);
      if (!offer) throw new ProblemError('not-found', `no offer ${c.req.valid('param').offerId}`);
      return c.json(offer, 200);
    },
  );
  app.openapi(
    route({ method: 'get', path: '/v1/offers', responses: { 200: json('Every offer', z.object({ items: z.array(offerSchema) })), ...problems(401, 403) } }),
    (c) => c.json({ items: engine.listOffers() }, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/operators',
      request: body(z.strictObject({ name: id, role: z.enum(['csr', 'admin']) })),
      responses: { 201: json('The operator, with the token (shown once)', z.object({ name: z.string(), role: z.string(), token: z.string() })), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      const { name, role } = c.req.valid('json');
      const { token } = await access.createOperator(name, role);
      return c.json({ name, role, token }, 201);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/sim/circulation/outage',
      request: body(z.strictObject({ on: z.boolean() })),
      responses: { 200: json('The switch', z.object({ on: z.boolean() })), ...problems(401, 403, 422) },
    }),
    async (c) => {
      await sims.setOutage(c.req.valid('json').on);
      return c.json({ on: sims.outage() }, 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/v1/sim/latency',
      request: body(z.strictObject({ ms: z.number().int('must be a whole number of ms').min(0, 'must not be negative').max(10_000, 'must be at most 10,000') })),
      responses: { 200: json('The latency', z.object({ ms: z.number() })), ...problems(401, 403, 422) },
    }),
    (c) => {
      sims.setLatency(c.req.valid('json').ms);
      return c.json({ ms: sims.latency() }, 200);
    },
  );
  app.openapi(
    route({
      method: 'get',
      path: '/v1/sim/ledger',
      request: { query: z.strictObject({ itemId: id.optional() }) },
      responses: { 200: json('Effects performed, one per idempotency key', z.object({ items: z.array(ledgerEntry) })), ...problems(401, 403, 422) },
    }),
    (c) => c.json({ items: sims.ledger(c.req.valid('query')) }, 200),
  );
  app.openapi(
    route({
      method: 'get',
      path: '/v1/sim/outbox',
      request: { query: z.strictObject({ email: z.email('must be a valid email address').max(254, 'must be at most 254 characters').optional() }) },
      responses: { 200: json('Mails sent', z.object({ items: z.array(outboxEntry) })), ...problems(401, 403, 422) },
    }),
    (c) => c.json({ items: sims.outbox(c.req.valid('query')) }, 200),
  );
}
