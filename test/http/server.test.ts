// Each route group against a real port (`npm start` as a child process), SSE included, and a clean
// shutdown on SIGTERM that ends open streams.
import { after, before, test } from 'node:test';
import { Agent, get, request as httpRequest } from 'node:http';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../src/nodeFlags.ts';
import { startServer, type ServerChild } from '../helpers/serverChild.ts';
import { readSse } from '../helpers/sse.ts';
import { purchaseBody } from '../helpers/world.ts';
import { tempDir } from '../helpers/tempDir.ts';

const ADMIN = 'test-operator-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'server-test-'));
let server: ServerChild;
let appKey: string;

before(async () => {
  server = await startServer(dir, { OPERATOR_TOKEN: ADMIN });
});
after(async () => {
  server.child.kill('SIGKILL');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
});

test('meta over a real port: the banner, health, readiness, metrics, OpenAPI', async () => {
  assert.match(server.output(), /Demo consumer app "demo", key/);
  assert.doesNotMatch(server.output(), new RegExp(ADMIN), 'a token the operator chose is not printed');
  assert.equal((await server.request('GET', '/healthz')).status, 200);
  assert.equal((await server.request('GET', '/readyz')).status, 200);
  const metrics = await (await server.request('GET', '/metrics')).text();
  assert.match(metrics, /sse_clients/);
  assert.match(metrics, /^process_resident_memory_bytes \d+/m, "the server's entry point gives the process's own");
  assert.equal((await server.request('GET', '/openapi.json')).status, 200);
});

test('admin over a real port: an app with its key, an operator with its token', async () => {
  const created = await server.request('POST', '/v1/consumer-apps', { token: ADMIN, body: { id: 'web', name: 'Web' } });
  assert.equal(created.status, 201);
  appKey = ((await created.json()) as { apiKey: string }).apiKey;
  const operator = await server.request('POST', '/v1/operators', { token: ADMIN, body: { name: 'csr1', role: 'csr' } });
  assert.equal(operator.status, 201);
});

test('an Idempotency-Key header sent twice is 400 over a real socket (Node joins the two lines into one key)', async () => {
  const send = (headers: string[]) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify(purchaseBody({ customerId: 'twice' }));
      // Raw header lines, so the key can be sent twice (Node adds neither host nor length to a raw list).
      const headerLines = ['host', new URL(server.url).host, 'authorization', `Bearer ${appKey}`, 'content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), ...headers];
      const sent = httpRequest(`${server.url}/v1/purchases`, { method: 'POST', headers: headerLines }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      sent.on('error', reject);
      sent.end(body);
    });
  assert.equal(await send(['idempotency-key', 'twice-a', 'idempotency-key', 'twice-b']), 400);
  assert.equal(await send(['idempotency-key', 'twice-a, twice-b']), 202, 'one line holding a comma is one key');
});

test('consumer and storefront over a real port: purchase, then the SSE stream with a reconnect from Last-Event-ID', async () => {
  const session = (await (await server.request('POST', '/v1/sessions', { token: appKey, body: { customerId: 'cust-1' } })).json()) as { sessionId: string; sessionToken: string };
  const stream = readSse(await fetch(`${server.url}/v1/notifications/stream?token=${session.sessionToken}`));
  assert.equal((await stream.next())?.event, 'snapshot');
  const buy = async (key: string) => {
    const response = await server.request('POST', '/v1/purchases', { token: appKey, body: purchaseBody({ sessionId: session.sessionId }), headers: { 'idempotency-key': key } });
    assert.equal(response.status, 202);
    return ((await response.json()) as { items: Array<{ itemId: string }> }).items[0].itemId;
  };
  const first = await buy('real-1');
  const seen = [];
  for (let message = await stream.next(); message; message = await stream.next()) {
    seen.push(message);
    if (message.data.status === 'complete') break;
  }
  assert.deepEqual(seen.map((m) => [m.data.itemId, m.data.status]), [[first, 'in_progress'], [first, 'complete']]);
  await stream.close();

  const second = await buy('real-2');
  const order = async () => (await (await server.request('GET', `/v1/subscriptions/${second}`, { token: session.sessionToken })).json()) as { status: string };
  while ((await order()).status !== 'complete') await new Promise((resolve) => setTimeout(resolve, 20));
  const again = readSse(await fetch(`${server.url}/v1/notifications/stream`, { headers: { authorization: `Bearer ${session.sessionToken}`, 'last-event-id': seen.at(-1)!.id! } }));
  const missed = [await again.next(), await again.next()];
  assert.deepEqual(missed.map((m) => [m?.data.itemId, m?.data.status, m?.data.badge]), [[second, 'in_progress', 1], [second, 'complete', 2]]);
  await assert.rejects(again.next(300), /no SSE message/);
  await again.close();
});

test('event viewer over a real port: a csr lists failed starts', async () => {
  const csr = ((await (await server.request('POST', '/v1/operators', { token: ADMIN, body: { name: 'csr2', role: 'csr' } })).json()) as { token: string }).token;
  const response = await server.request('GET', '/v1/events?type=3&status=2', { token: csr });
  assert.equal(response.status, 200);
  assert.ok(((await response.json()) as { items: unknown[] }).items.length >= 2);
});

test('SIGTERM: open streams end, a client reconnecting over its kept-alive socket is turned away, the process exits 0', async () => {
  const session = (await (await server.request('POST', '/v1/sessions', { token: appKey, body: { customerId: 'cust-1' } })).json()) as { sessionToken: string };
  // One kept-alive socket, as EventSource uses: a reconnect goes over it, past the closed listener.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const open = () =>
    new Promise<{ status: number; ended: Promise<void> }>((resolve, reject) => {
      const request = get(`${server.url}/v1/notifications/stream?token=${session.sessionToken}`, { agent }, (response) => {
        response.resume();
        resolve({ status: response.statusCode!, ended: new Promise((done) => response.on('end', done).on('close', done)) });
      });
      request.on('error', reject);
    });
  const first = await open();
  assert.equal(first.status, 200);
  server.child.kill('SIGTERM');
  await first.ended;
  const reconnects: Array<number | string> = [];
  for (let i = 0; i < 5; i++) reconnects.push(await open().then(({ status }) => status, (error: Error & { code?: string }) => error.code ?? 'error'));
  assert.ok(!reconnects.includes(200), `no new stream during shutdown: ${reconnects.join(', ')}`);
  assert.equal(await server.exited, 0);
  agent.destroy();
  server = await startServer(dir, { OPERATOR_TOKEN: ADMIN });
  assert.doesNotMatch(server.output(), /Demo consumer app "demo", key/, 'the demo key is printed once, on the first start');
  const list = await server.request('GET', '/v1/events?type=3&status=2', { token: ADMIN });
  assert.ok(((await list.json()) as { items: unknown[] }).items.length >= 2);
});

test('SIGTERM after the reader of stdout went away: the log stops (EPIPE) and the process still exits 0', async (t) => {
  const fresh = tempDir(t, 'server-epipe-');
  const child = await startServer(fresh, { LOG_LEVEL: 'info' });
  child.child.stdout!.destroy();
  // The shutdown's log lines are the first to meet the broken pipe, right before the exit.
  child.child.kill('SIGTERM');
  const stuck = new Promise<string>((resolve) => setTimeout(resolve, 20_000, 'still running 20 s after SIGTERM').unref());
  const outcome = await Promise.race([child.exited, stuck]);
  if (outcome !== 0) child.child.kill('SIGKILL');
  assert.equal(outcome, 0);
});

test('SIGTERM during start-up: start-up finishes (the demo key is still shown once), the store closes, exit 0', async (t) => {
  const fresh = tempDir(t, 'server-startup-');
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(import.meta.dirname, '..', '..', 'src', 'main.ts')], {
    env: { ...process.env, DATA_DIR: fresh, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
    if (output.includes('"msg":"listening"') && !child.killed) child.kill('SIGTERM');
  });
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise((resolve) => child.on('exit', (exit, signal) => resolve(exit ?? signal)));
  assert.equal(code, 0, output);
  assert.match(output, /Demo consumer app "demo", key/);
  assert.match(output, /"msg":"stopped"/);
});

/** Starts `npm start`'s entry with `env`, expecting it to refuse to start: exit 1 without a stack trace; resolves to its output. */
async function refusedStart(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(import.meta.dirname, '..', '..', 'src', 'main.ts')], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise((resolve) => child.on('exit', (exit, signal) => resolve(exit ?? signal)));
  assert.equal(code, 1, output);
  assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  return output;
}

test('a DATA_DIR that cannot hold the stores stops the start-up with a message naming it, exit 1', async (t) => {
  const fresh = tempDir(t, 'server-datadir-');
  const file = join(fresh, 'a-file');
  writeFileSync(file, 'not a directory');
  assert.match(await refusedStart({ DATA_DIR: file }), /^configuration: DATA_DIR ".*a-file" is not a directory$/m);
  assert.match(await refusedStart({ DATA_DIR: join(file, 'below') }), /^configuration: DATA_DIR ".*a-file\/below" cannot hold the stores: ENOTDIR/m);
});

test('a PORT another process listens on stops the start-up with a message naming it, exit 1', async (t) => {
  const fresh = tempDir(t, 'server-port-');
  const port = new URL(server.url).port;
  const output = await refusedStart({ DATA_DIR: fresh, PORT: port });
  assert.match(output, new RegExp(`^configuration: cannot listen: PORT ${port} is already in use$`, 'm'));
  // The server already listening there is untouched.
  assert.equal((await server.request('GET', '/healthz')).status, 200);
});
