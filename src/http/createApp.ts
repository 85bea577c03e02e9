// The HTTP application (API.md): one route group per audience, each with its own credential, over
// the engine. `createApp({ engine, access, sims, logger })` builds it; tests call `app.request()` on it.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { ulid } from 'ulid';
import { fieldIssues } from '../domain/index.ts';
import type { AppEnv } from './credentials.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { onError, problem } from './problem.ts';
import { adminRoutes } from './routes/admin.ts';
import { consumerRoutes } from './routes/consumer.ts';
import { eventViewerRoutes } from './routes/eventViewer.ts';
import { metaRoutes } from './routes/meta.ts';
import { storefrontRoutes } from './routes/storefront.ts';
import { Streams } from './sse.ts';
import { ItemFeed } from './itemFeed.ts';
import type { AppDeps } from './deps.ts';

/** The methods whose routes may take a body. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** True when the bytes are UTF-8 text. */
function isUtf8(bytes: Uint8Array): boolean {
  try {
    UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** JSON's whitespace (RFC 8259 §2): a body of nothing else is no body. */
const isWhitespace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/** The built app, with what the server needs to shut it down cleanly. */
export interface App {
  readonly hono: OpenAPIHono<AppEnv>;
  readonly metrics: Metrics;
  /**
   * Shutdown: answers the requests that wait on provisioning (engine.releaseWaits), ends every open
   * SSE stream and opens no new one; resolves once the streams are closed.
   */
  endStreams(): Promise<void>;
}

/** Bodies over this many bytes are refused with 413 (SPEC §9). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Builds the HTTP app. */
export function createApp(deps: AppDeps): App {
  const { logger } = deps;
  const metrics = createMetrics(deps.engine, deps.processMetrics);
  const streams = new Streams(deps.heartbeatMs ?? 15_000, metrics);
  // pino's own `err` serializer writes the type, message and stack.
  const feed = new ItemFeed(deps.engine.bus, (error) => logger.error({ err: error }, 'a stream failed on an item change'));
  const hono = new OpenAPIHono<AppEnv>({
    // Every body, query and path parameter is validated; a bad one is a 422 naming each field.
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = fieldIssues(result.error);
      return problem(c, 'invalid', `the request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors });
    },
  });

  hono.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 100) || ulid();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    // Problems and replays are whole Responses built by hand: give them the id too.
    if (!c.res.headers.has('x-request-id')) c.res.headers.set('x-request-id', requestId);
    const ms = performance.now() - started;
    metrics.observeRequest(c.req.method, c.req.routePath, c.res.status, ms);
    // The path only: a query may hold an SSE token, and headers hold credentials.
    logger.info({ requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms * 10) / 10 }, 'request');
  });
  hono.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => problem(c, 'payload-too-large', `a request body may hold at most ${MAX_BODY_BYTES} bytes`),
    }),
  );
  // An empty body is no body, whatever content type and charset came with it (clients and forms
  // send one anyway): the actions that need none take it, and a route that needs one names its
  // missing fields (422). The request is rebuilt without the type, so the validators see no body
  // at all. Any other body is UTF-8 text (RFC 8259): another charset is 415, bytes that are not
  // UTF-8 are 400, rather than characters silently replaced.
  hono.use('*', async (c, next) => {
    const { raw } = c.req;
    const type = raw.headers.get('content-type');
    if (!WITH_BODY.has(raw.method) || type === null) return next();
    const bytes = raw.body ? new Uint8Array(await c.req.arrayBuffer()) : new Uint8Array();
    if (bytes.every(isWhitespace)) {
      const headers = new Headers(raw.headers);
      headers.delete('content-type');
      headers.delete('content-length');
      c.req.raw = new Request(raw.url, { method: raw.method, headers, signal: raw.signal });
      c.req.bodyCache = {};
    } else {
      const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        return problem(c, 'unsupported-media-type', `a body must be UTF-8 text, not charset ${charset || '(empty)'}`);
      }
      if (!isUtf8(bytes)) return problem(c, 'bad-request', 'the body is not valid UTF-8');
    }
    await next();
  });

  // Until recovery is done the API answers 503 (RFC 9110 §15.6.4), like /readyz.
  hono.use('/v1/*', async (c, next) => {
    if (!deps.engine.ready) return problem(c, 'unavailable', 'the engine is recovering after a restart; try again in a moment', { headers: { 'retry-after': '1' } });
    await next();
  });

  const groups = { ...deps, metrics, streams, feed };
  metaRoutes(hono, groups);
  adminRoutes(hono, groups);
  consumerRoutes(hono, groups);
  storefrontRoutes(hono, groups);
  eventViewerRoutes(hono, groups);

  // A path the API has, asked with a method it does not take, is 405 naming the ones it does
  // (RFC 9110 §15.5.6); any other is 404.
  const methodsOf = allowedMethods(hono);
  hono.notFound((c) => {
    const allow = methodsOf(c.req.path).join(', ');
    if (allow) return problem(c, 'method-not-allowed', `${c.req.path} takes ${allow}, not ${c.req.method}`, { headers: { allow } });
    return problem(c, 'not-found', `no route ${c.req.method} ${c.req.path}`);
  });
  hono.onError(
    onError((error, c) => {
      logger.error({ requestId: c.get('requestId'), err: { name: error.name, message: error.message, stack: error.stack } }, 'unexpected error');
    }),
  );
  return {
    hono,
    metrics,
    endStreams() {
      deps.engine.releaseWaits();
      return streams.endAll();
    },
  };
}

/** The methods each path of the app takes (HEAD wherever GET is), worked out from its routes on first use. */
function allowedMethods(hono: OpenAPIHono<AppEnv>): (path: string) => string[] {
  let routes: Array<{ pattern: RegExp; methods: Set<string> }> | undefined;
  const compile = () => {
    const byPath = new Map<string, Set<string>>();
    for (const { path, method } of hono.routes) {
      if (method === 'ALL') continue; // middleware
      const methods = byPath.get(path) ?? byPath.set(path, new Set()).get(path)!;
      methods.add(method);
      if (method === 'GET') methods.add('HEAD');
    }
    const segment = (part: string) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return [...byPath].map(([path, methods]) => ({ pattern: new RegExp(`^${path.split('/').map(segment).join('/')}$`), methods }));
  };
  return (path) => {
    routes ??= compile();
    const methods = new Set<string>();
    for (const route of routes) if (route.pattern.test(path)) for (const method of route.methods) methods.add(method);
    return [...methods].sort();
  };
}
