// `/metrics` in Prometheus text (API.md "Engineering"): purchases by outcome, step outcomes by type
// and status, retries, SSE clients, items in memory, request latency histograms, and the process's
// own (prom-client's defaults: heap, RSS, event-loop lag, GC, open handles and file descriptors),
// so an engineer sees a leak or a stalled loop without attaching a profiler. A registry per app,
// so every test builds its own. The process's metrics come from the process's entry point, which
// collects them once: each collection keeps a GC observer and an event-loop histogram for the life
// of the process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../engine/index.ts';

/** The app's metrics. */
export interface Metrics {
  /** The Prometheus text of the process's metrics and the app's. */
  text(): Promise<string>;
  /** The content type of that text (Prometheus exposition format 0.0.4). */
  readonly contentType: string;
  /** A purchase answered with `status`. */
  countPurchase(status: number, ms: number): void;
  /** A request answered: its method, route pattern, status and duration in ms. */
  observeRequest(method: string, route: string, status: number, ms: number): void;
  /** A stream opened (+1) or closed (-1). */
  sseClients(delta: number): void;
}

/** The process's own metrics (heap, RSS, event-loop lag, GC, handles, file descriptors): build once per process. */
export function createProcessMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Builds the app's metrics, shown after `ofProcess`'s if given, and starts listening to the engine's step outcomes. */
export function createMetrics(engine: Engine, ofProcess?: Registry): Metrics {
  const registry = new Registry();
  const purchases = new Counter({ name: 'purchases_total', help: 'Purchases answered, by HTTP status', labelNames: ['status'], registers: [registry] });
  const purchaseSeconds = new Histogram({
    name: 'purchase_response_seconds',
    help: 'Time to answer a purchase (the synchronous part), in seconds',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const steps = new Counter({ name: 'step_outcomes_total', help: 'Event rows reaching a status, by type and status code', labelNames: ['type', 'status'], registers: [registry] });
  const retries = new Counter({ name: 'step_retries_total', help: 'Calls sent back to wait for a retry after a transient failure, by step or action', labelNames: ['type'], registers: [registry] });
  const sse = new Gauge({ name: 'sse_clients', help: 'Open Server-Sent Events streams', registers: [registry] });
  new Gauge({
    name: 'items_in_memory',
    help: 'Items with an actor in memory (in flight)',
    registers: [registry],
    collect() {
      this.set(engine.liveItems);
    },
  });
  const requests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status, in seconds',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  engine.bus.on('step', ({ typeName, status, previousStatus }) => {
    if (status !== previousStatus) steps.inc({ type: typeName, status: String(status) });
  });
  engine.bus.on('retry', (call) => retries.inc({ type: call }));
  return {
    text: async () => (ofProcess ? await ofProcess.metrics() : '') + (await registry.metrics()),
    contentType: registry.contentType,
    countPurchase(status, ms) {
      purchases.inc({ status: String(status) });
      purchaseSeconds.observe(ms / 1000);
    },
    observeRequest(method, route, status, ms) {
      requests.observe({ method, route, status: String(status) }, ms / 1000);
    },
    sseClients: (delta) => sse.inc(delta),
  };
}
