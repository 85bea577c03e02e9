// The product assembled from its configuration: the store, the simulated third parties over their
// own store, and the engine. `npm start`, the benchmarks and the crash tests all build it here.
import { join } from 'node:path';
import type { Config } from './config.ts';
import { createAccess, createEngine, type Access, type Engine, type EngineOptions } from './engine/index.ts';
import { createSimulators, type Simulators } from './sim/index.ts';
import { openStore, openThirdPartyStore, type EngineStore } from './store/index.ts';

/** A running product. */
export interface Product {
  store: EngineStore;
  sims: Simulators;
  engine: Engine;
  /** Credentials: consumer-app keys, operator tokens, sessions. */
  access: Access;
  /** Stops the engine and closes both stores. */
  close(): Promise<void>;
}

/** Opens the stores in `config.dataDir` and builds the engine; call `engine.start()` next. */
export function openProduct(config: Config, engineOptions: Partial<EngineOptions> = {}): Product {
  const store = openStore(config.dataDir);
  const thirdParty = openThirdPartyStore(join(config.dataDir, 'third-parties'));
  const sims = createSimulators({ store: thirdParty, latencyMs: config.simLatencyMs, failureRate: config.simFailureRate, seed: config.simSeed });
  const engine = createEngine({
    store,
    connectors: sims.connectors,
    syncBudgetMs: config.syncBudgetMs,
    processSyncDeadlineMs: config.processSyncDeadlineMs,
    ...engineOptions,
  });
  return {
    store,
    sims,
    engine,
    access: createAccess(store),
    async close() {
      await engine.stop();
      await store.close();
      await thirdParty.close();
    },
  };
}
