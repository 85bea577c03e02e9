// The HTTP layer: the Hono app over the engine, one route group per audience.
export { createApp, MAX_BODY_BYTES, type App } from './createApp.ts';
export type { AppDeps } from './deps.ts';
export { createProcessMetrics } from './metrics.ts';
export { PROBLEMS, type ProblemCode } from './problem.ts';
export { serveApp, type RunningServer } from './serveApp.ts';
