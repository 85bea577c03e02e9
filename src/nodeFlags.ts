// The V8 settings the product runs with; `npm start` passes the same (a test keeps them equal).
// A young generation of 64 MiB semi-spaces (default 16) lets the short-lived objects of each
// transition die young instead of being promoted while thousands of items are in flight:
// bench:throughput measured about +8 % items/s for about +110 MiB of RSS.

/** Node flags for every process that runs the engine (the server, its tests, the benchmarks). */
export const NODE_FLAGS = ['--max-semi-space-size=64'] as const;
