// What the HTTP app is built from, and what each route group is given (one file, so the route
// groups and the app that mounts them do not import each other).
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Access, Engine } from '../engine/index.ts';
import type { SimulatorControls } from '../sim/index.ts';
import type { ItemFeed } from './itemFeed.ts';
import type { Metrics } from './metrics.ts';
import type { Streams } from './sse.ts';

/** What the app is built from. */
export interface AppDeps {
  engine: Engine;
  access: Access;
  /** The simulators' admin switches and views. */
  sims: SimulatorControls;
  /** Where requests and unexpected errors are logged (pino). */
  logger: Logger;
  /** SSE heartbeat comment interval in ms (default 15,000). */
  heartbeatMs?: number;
  /** The process's own metrics for `/metrics` (`createProcessMetrics`, once per process); none when left out. */
  processMetrics?: Registry;
}

/** What each route group is given. */
export type GroupDeps = AppDeps & { metrics: Metrics; streams: Streams; feed: ItemFeed };
