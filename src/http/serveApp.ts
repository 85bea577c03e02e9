// The app on a real port (@hono/node-server), with the shutdown SPEC §4 and the issue ask for:
// stop taking requests, end the SSE streams, let requests in flight finish, then let go.
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { App } from './createApp.ts';

/** A listening server. */
export interface RunningServer {
  /** The port it listens on. */
  port: number;
  /**
   * Stops taking requests, ends the streams, waits for requests in flight (at most `graceMs`,
   * default 5,000), then closes every connection left.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves `app` on `port` (0 picks a free one); resolves once it listens, rejects if it cannot (the port is taken). */
export function serveApp(app: App, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.hono.fetch, port }, (info) => {
      (server as Server).off('error', refused);
      resolve({
        port: info.port,
        async close(graceMs = 5_000) {
          const http = server as Server;
          const closed = new Promise<void>((done) => http.close(() => done()));
          // The grace runs from the start: a client that stops reading cannot hold a stream open.
          const grace = setTimeout(() => http.closeAllConnections(), graceMs);
          http.closeIdleConnections();
          await app.endStreams();
          http.closeIdleConnections();
          await closed;
          clearTimeout(grace);
        },
      });
    });
    const refused = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? `PORT ${port} is already in use` : error.code === 'EACCES' ? `PORT ${port} needs privileges this process lacks` : error.message;
      reject(new Error(`cannot listen: ${why}`, { cause: error }));
    };
    (server as Server).once('error', refused);
  });
}
