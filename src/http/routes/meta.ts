// Engineering endpoints (API.md "Engineering"): liveness, readiness, Prometheus metrics and the
// OpenAPI document need no credential; the charts and an item's live state need an operator.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { newStartMachine, toMermaid } from '../../machines/index.ts';
import { requireCredential, type AppEnv } from '../credentials.ts';
import type { GroupDeps } from '../deps.ts';
import { ProblemError } from '../problem.ts';
import { docsPage } from './docsPage.ts';
import { groupRoute, json, problems } from './schemas.ts';

/** The charts the engine runs, by the name the API gives them. */
const MACHINES = { 'new-start': newStartMachine } as const;

const machineParams = z.object({ name: z.string().max(100) });

function machineNamed(name: string) {
  const machine = MACHINES[name as keyof typeof MACHINES];
  if (!machine) throw new ProblemError('not-found', `no machine named ${name}; try new-start`);
  return machine;
}

/** Mounts the engineering endpoints. */
export function metaRoutes(app: OpenAPIHono<AppEnv>, { engine, access, metrics }: GroupDeps): void {
  const operator = requireCredential(access, { kind: 'operator', role: 'csr' });
  const route = groupRoute('engineering', operator);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => (engine.ready ? c.json({ status: 'ready' }) : c.json({ status: 'recovering' }, 503)));
  app.get('/metrics', async (c) => c.text(await metrics.text(), 200, { 'content-type': metrics.contentType }));
  app.get('/openapi.json', (c) =>
    c.json(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: { title: 'Provisioning engine', version: '1.0.0', description: 'Checkout provisioning: purchases, live status, Event Viewer, admin.' },
        security: [{ bearer: [] }],
      }),
    ),
  );
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.get('/docs', (c) => c.html(docsPage));
  // These answer without a credential and outside the validating routes; the document lists them too.
  const answer = (description: string, type: string, schema: z.ZodType) => ({ description, content: { [type]: { schema } } });
  const open = (path: string, description: string, type: string, schema: z.ZodType, more: Record<number, ReturnType<typeof answer>> = {}) =>
    app.openAPIRegistry.registerPath({ method: 'get', path, tags: ['engineering'], security: [], responses: { 200: answer(description, type, schema), ...more } });
  open('/healthz', 'The process is up', 'application/json', z.object({ status: z.literal('ok') }));
  open('/readyz', 'Recovery is done and requests are served', 'application/json', z.object({ status: z.literal('ready') }), {
    503: answer('Recovery after a restart is still running', 'application/json', z.object({ status: z.literal('recovering') })),
  });
  open('/metrics', 'Prometheus metrics', 'text/plain', z.string());
  open('/openapi.json', 'This document', 'application/json', z.record(z.string(), z.unknown()));
  open('/docs', 'A page that renders this document', 'text/html', z.string());

  app.openapi(
    route({
      method: 'get',
      path: '/v1/machines',
      responses: { 200: json('The charts', z.object({ items: z.array(z.object({ name: z.string() })) })), ...problems(401, 403) },
    }),
    (c) => c.json({ items: Object.keys(MACHINES).map((name) => ({ name })) }, 200),
  );
  app.openapi(
    route({
      method: 'get',
      path: '/v1/machines/{name}',
      request: { params: machineParams },
      responses: { 200: json('The chart as JSON (XState definition)', z.record(z.string(), z.unknown())), ...problems(401, 403, 404) },
    }),
    (c) => c.json(machineNamed(c.req.valid('param').name).toJSON() as unknown as Record<string, unknown>, 200),
  );
  app.openapi(
    route({
      method: 'get',
      path: '/v1/machines/{name}/mermaid',
      request: { params: machineParams },
      responses: { 200: { description: 'The chart as a Mermaid stateDiagram-v2', content: { 'text/plain': { schema: z.string() } } }, ...problems(401, 403, 404) },
    }),
    (c) => c.text(toMermaid(machineNamed(c.req.valid('param').name)), 200),
  );
  app.openapi(
    route({
      method: 'get',
      path: '/v1/items/{itemId}/state',
      request: { params: z.object({ itemId: z.string().max(100) }) },
      responses: { 200: json("The item's current state value", z.object({ itemId: z.string(), value: z.unknown() })), ...problems(401, 403, 404) },
    }),
    (c) => {
      const { itemId } = c.req.valid('param');
      const value = engine.getItemState(itemId);
      if (value === undefined) throw new ProblemError('not-found', `no item ${itemId}`);
      return c.json({ itemId, value }, 200);
    },
  );
}
