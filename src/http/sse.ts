// Server-Sent Events (SPEC §5, tRPC's `stream/sse.ts` as model): every message carries an `id`, a
// comment line keeps idle connections open, and the server can end a session's streams (logout)
// or all of them (shutdown).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Metrics } from './metrics.ts';
import { problem } from './problem.ts';

/** One message of a stream. */
export interface StreamMessage {
  id: string;
  event: string;
  data: unknown;
}

/** What a stream does once open: send what it has, subscribe, and say how to let go. */
export interface StreamPlan {
  /** Who the stream belongs to (a session id), so logout can end it. */
  owner: string;
  /**
   * Starts the stream: `send` writes a message, `end` closes the stream; returns what to do when
   * it closes (unsubscribe).
   */
  open(send: (message: StreamMessage) => void, end: () => void): () => void;
}

interface OpenStream {
  owner: string;
  /** Closes the stream after the messages queued before. */
  end: () => void;
  /** Closes the stream now, dropping what is queued (a client that reads nothing any more). */
  stop: () => void;
}

/** How long a shutdown waits for streams to send what they have queued before it closes them anyway, in ms. */
const END_GRACE_MS = 2_000;

/** The open streams of an app. */
export class Streams {
  private readonly open = new Set<OpenStream>();
  private closing = false;

  /**
   * @param heartbeatMs how often an idle stream gets a comment line, in ms
   * @param metrics where the number of open streams is counted
   */
  constructor(
    private readonly heartbeatMs: number,
    private readonly metrics: Metrics,
  ) {}

  /** Answers a request with a stream following `plan`. */
  serve(c: Context, plan: StreamPlan): Response {
    if (this.closing) {
      // A client reconnecting during shutdown is told to go (EventSource stops on a non-200).
      return problem(c, 'unavailable', 'the server is shutting down', { headers: { connection: 'close', 'retry-after': '5' } });
    }
    c.header('cache-control', 'no-store');
    c.header('x-accel-buffering', 'no');
    // HEAD gets the headers only: nothing reads a HEAD answer's body, so a stream would never end.
    if (c.req.method === 'HEAD') return c.body(null, 200, { 'content-type': 'text/event-stream' });
    return streamSSE(c, async (stream) => {
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      // Messages are written in order, one after the other.
      let queue = Promise.resolve();
      const write = (step: (s: SSEStreamingApi) => Promise<void>) => {
        queue = queue.then(() => (stream.aborted || stream.closed ? undefined : step(stream))).catch(finish);
      };
      let stopped = false;
      const entry: OpenStream = {
        owner: plan.owner,
        end: () => write(async () => finish()),
        stop: () => {
          stopped = true;
          finish();
        },
      };
      this.open.add(entry);
      this.metrics.sseClients(1);
      const heartbeat = setInterval(() => write(async (s) => void (await s.write(": keep-alive\n\n"))), this.heartbeatMs);
      stream.onAbort(finish);
      let release = () => {};
      try {
        release = plan.open(
          (message) => write((s) => s.writeSSE({ id: message.id, event: message.event, data: JSON.stringify(message.data) })),
          entry.end,
        );
        await finished;
        if (!stopped) await queue;
      } finally {
        clearInterval(heartbeat);
        release();
        this.open.delete(entry);
        this.metrics.sseClients(-1);
      }
    });
  }

  /** Ends the streams of one owner (a session that logged out), after what they were sent. */
  endOwner(owner: string): void {
    for (const stream of this.open) if (stream.owner === owner) stream.end();
  }

  /**
   * Ends every stream and opens no new one (shutdown); resolves once they are all closed. A stream
   * whose client reads nothing any more cannot send what it has queued: it is closed anyway after
   * a grace.
   */
  async endAll(): Promise<void> {
    this.closing = true;
    for (const stream of this.open) stream.end();
    const deadline = Date.now() + END_GRACE_MS;
    while (this.open.size > 0 && Date.now() < deadline) await sleep(10);
    for (const stream of this.open) stream.stop();
    while (this.open.size > 0) await sleep(10);
  }
}
