// Shapes shared by the route groups' OpenAPI definitions: JSON answers and the problem bodies.
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../credentials.ts';
import { PROBLEMS } from '../problem.ts';

/** A query that takes no parameter: an unknown one is a 422 naming it, like an unknown body field. */
const noQuery = z.strictObject({});

/**
 * The body of an action that needs none: none at all, or a JSON object with no field; a field
 * sent anyway is a 422 naming it (SPEC §9), not silently ignored.
 */
export const noBody = { body: { content: { 'application/json': { schema: z.strictObject({}) } }, required: false } };

/**
 * A whole number in a path or query (`3`, not `3.0`, `0x3`, `+3` or `1e2`): a text of digits,
 * given as a number.
 */
export function wholeNumber() {
  return z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number such as 3')
    .transform(Number)
    .openapi({ type: 'integer' });
}

/**
 * The query of an SSE route: the session token, for EventSource, which cannot set headers, and
 * `lastEventId`, which EventSource polyfills send on a reconnect instead of the header.
 */
export const streamQuery = z.strictObject({ token: z.string().optional(), lastEventId: z.string().max(100).optional() });

/**
 * The route builder of one group: its OpenAPI tag, its credential middleware (applied once per
 * route of the group) and, unless the route declares its own, a query that takes no parameter.
 * Every route documents the problems any request may meet: 422 for a query or path it refuses,
 * 503 under `/v1` while recovery runs, and with a body 400 (not JSON, or not UTF-8), 413 and 415.
 */
export function groupRoute(tag: string, ...middleware: MiddlewareHandler<AppEnv>[]) {
  type Request<R extends Omit<RouteConfig, 'middleware' | 'tags'>> = Omit<{ query: typeof noQuery }, keyof NonNullable<R['request']>> & NonNullable<R['request']>;
  return <R extends Omit<RouteConfig, 'middleware' | 'tags'>>(route: R) => {
    const common = {
      ...problems(422),
      ...(route.path.startsWith('/v1/') ? problems(503) : {}),
      ...(route.request?.body ? problems(400, 413, 415) : {}),
    };
    return createRoute({ ...route, tags: [tag], middleware, request: { query: noQuery, ...route.request } as Request<R>, responses: { ...common, ...route.responses } as R['responses'] });
  };
}

/** An RFC 9457 problem body. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi('Problem');

/** A JSON answer with its description. */
export function json<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}

/** The problem answers a route may give, by status. */
export function problems<S extends number>(...statuses: S[]): Record<S, { description: string; content: { 'application/problem+json': { schema: typeof problemSchema } } }> {
  const titles = new Map<number, string>();
  for (const { status, title } of Object.values(PROBLEMS)) titles.set(status, titles.has(status) ? `${titles.get(status)}; ${title}` : title);
  return Object.fromEntries(
    statuses.map((status) => [status, { description: titles.get(status) ?? 'Problem', content: { 'application/problem+json': { schema: problemSchema } } }]),
  ) as never;
}
