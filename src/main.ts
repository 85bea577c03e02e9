// Composition root (STYLE.md): configuration → store → simulators → engine → HTTP. `npm start`
// serves the product; `npm run demo` runs the scripted engine demo instead.
import { pino } from 'pino';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { createApp, createProcessMetrics, serveApp, type RunningServer } from './http/index.ts';
import { openProduct, type Product } from './product.ts';
import { runDemo } from './demo.ts';
import { banner } from './banner.ts';

let config: Config;
let product: Product;
try {
  config = loadConfig();
  product = openProduct(config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`configuration: ${error.message}`);
  process.exit(1);
}

if (process.argv.includes('--demo')) {
  const recovery = await product.engine.start();
  console.log(`store in ${config.dataDir}; recovery aborted ${recovery.abortedOrders} orders and resumed ${recovery.resumedItems} items`);
  await runDemo(product);
  await product.close();
} else {
  // Nothing logs a credential or a body today; the redaction is a second line of defence.
  // Synchronous writes, as Node's own stdout to a pipe: nothing is left to flush at exit. (pino's
  // default asynchronous destination flushes at exit with a loop that retries a write forever when
  // the reader of stdout went away, EPIPE, and the process never ends.)
  const logger = pino(
    { level: config.logLevel, redact: ['*.authorization', '*.token', '*.apiKey', '*.sessionToken', '*.paymentToken', '*.card'] },
    pino.destination({ dest: 1, sync: true }),
  );
  const app = createApp({ engine: product.engine, access: product.access, sims: product.sims.controls, logger, processMetrics: createProcessMetrics() });
  let server: RunningServer | undefined;
  let startUp: Promise<void> = Promise.resolve();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, streams end, writes finish, store closes');
    // Start-up (recovery included) finishes first, so nothing writes to a closing store.
    await startUp.catch(() => undefined);
    await server?.close();
    await product.close();
    logger.info('stopped');
    process.exit(0);
  };
  // Before anything else: a signal at any point of start-up closes the store cleanly.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  // Listen at once, so /healthz answers while recovery runs; /readyz and the API wait for it.
  try {
    server = await serveApp(app, config.port);
  } catch (error) {
    // Said as the configuration errors are: a line on stderr naming the variable.
    console.error(`configuration: ${error instanceof Error ? error.message : String(error)}`);
    await product.close();
    process.exit(1);
  }
  const url = `http://localhost:${server.port}`;
  logger.info({ port: server.port }, 'listening');
  startUp = (async () => {
    const operatorToken = await product.access.setAdminToken(config.operatorToken);
    // A fresh data directory gets a demo consumer app, so a newcomer can purchase at once.
    const demo = product.engine.getApp('demo') ? undefined : await product.access.createApp({ id: 'demo', name: 'Demo storefront' });
    const recovery = await product.engine.start();
    logger.info({ dataDir: config.dataDir, ...recovery }, 'recovery done; ready');
    // Printed even when a signal came meanwhile (shutdown waits for start-up): the key shows once.
    process.stdout.write(banner({ url, operatorToken, demoKey: demo?.apiKey }));
  })();
  await startUp;
}
