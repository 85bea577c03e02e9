// The HTTP app over a whole product in a temp directory (test/helpers/world.ts), for in-process
// tests with `app.request()`: an admin token, and helpers for the credentials of each audience.
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { createAccess, type Access } from '../../src/engine/index.ts';
import { createApp, type App } from '../../src/http/index.ts';
import type { EngineOptions } from '../../src/engine/index.ts';
import type { Connectors } from '../../src/domain/index.ts';
import { createWorld, type World } from './world.ts';

/** One test's app. */
export interface HttpWorld {
  world: World;
  app: App;
  access: Access;
  /** The bearer token of the operator `admin`. */
  adminToken: string;
  /** Sends a request; `token` goes in Authorization, `body` as JSON. */
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** Creates a consumer app and returns its key. */
  newApp(id?: string, settings?: { processSync?: boolean; lookupStrategy?: 'email-only' | 'standard' }): Promise<string>;
  /** Creates an operator and returns its token. */
  newOperator(name: string, role: 'csr' | 'admin'): Promise<string>;
}

/** Builds the app over a fresh world. */
export async function createHttpWorld(
  t: TestContext,
  engineOptions: Partial<EngineOptions> & { wrapConnectors?: (connectors: Connectors) => Connectors } = {},
): Promise<HttpWorld> {
  const world = await createWorld(t, engineOptions);
  const access = createAccess(world.store);
  const app = createApp({ engine: world.engine, access, sims: world.sims.controls, logger: pino({ level: 'silent' }), heartbeatMs: 50 });
  t.after(() => app.endStreams());
  const adminToken = (await access.setAdminToken(undefined))!;
  const request: HttpWorld['request'] = (method, path, { token, body, headers = {} } = {}) =>
    Promise.resolve(
      app.hono.request(path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  return {
    world,
    app,
    access,
    adminToken,
    request,
    async newApp(id = 'store', settings = {}) {
      const response = await request('POST', '/v1/consumer-apps', { token: adminToken, body: { id, name: `App ${id}`, ...settings } });
      if (response.status !== 201) throw new Error(`creating app ${id}: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { apiKey: string }).apiKey;
    },
    async newOperator(name, role) {
      const response = await request('POST', '/v1/operators', { token: adminToken, body: { name, role } });
      if (response.status !== 201) throw new Error(`creating operator ${name}: ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
  };
}
