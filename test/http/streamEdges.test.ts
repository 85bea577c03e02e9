// The SSE streams at the edges of their life (SPEC §5, §9): a HEAD, which nobody reads, opens no
// stream, and a shutdown does not wait for a client that stopped reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpWorld } from '../helpers/httpWorld.ts';
import { shop } from '../helpers/shop.ts';

test('HEAD on either stream answers its headers and opens no stream (nothing reads a HEAD body: the stream would never end)', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  const itemId = await buy();
  for (const path of ['/v1/notifications/stream', `/v1/subscriptions/${itemId}/stream`]) {
    const head = await h.request('HEAD', `${path}?token=${session.sessionToken}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/event-stream');
    assert.equal(await head.text(), '');
  }
  // A few heartbeats later no stream is open, and a shutdown has none to wait for.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.match(await (await h.request('GET', '/metrics')).text(), /^sse_clients 0$/m);
  await h.app.endStreams();
});

test('a shutdown closes a stream whose client reads nothing any more, after a grace, instead of waiting for it', async (t) => {
  const h = await createHttpWorld(t);
  const { session } = await shop(h);
  const unread = await h.request('GET', `/v1/notifications/stream?token=${session.sessionToken}`);
  assert.equal(unread.status, 200);
  // Heartbeats every 50 ms pile up behind the first message nobody takes.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const stuck = new Promise((resolve) => setTimeout(resolve, 10_000, 'still waiting').unref());
  assert.equal(await Promise.race([h.app.endStreams().then(() => 'closed'), stuck]), 'closed');
  assert.match(await (await h.request('GET', '/metrics')).text(), /^sse_clients 0$/m);
});

test('a shutdown ends a stream whose client reads at once, after what it was sent, without waiting out the grace', async (t) => {
  const h = await createHttpWorld(t);
  const { session } = await shop(h);
  const stream = await h.request('GET', `/v1/notifications/stream?token=${session.sessionToken}`);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value);
  // The grace (2 s) is for clients that stopped reading; this one reads, so its stream ends now.
  const graceOver = new Promise((resolve) => setTimeout(resolve, 1_500, 'waited out the grace').unref());
  const first = Promise.race([h.app.endStreams().then(() => 'ended'), graceOver]);
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value);
  assert.equal(await first, 'ended');
  assert.match(text, /^event: snapshot$/m);
});
