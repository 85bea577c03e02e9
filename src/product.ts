// The product assembled from its configuration: the store, the simulated third parties over their
// own store, and the engine. `npm start`, the benchmarks and the crash tests all build it here.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from './config.ts';
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
  checkDataDir(config.dataDir);
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

/** A data directory that cannot be made or written is a configuration error naming DATA_DIR. */
function checkDataDir(dir: string): void {
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw new ConfigError(`DATA_DIR "${dir}" is not a directory`);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new ConfigError(`DATA_DIR "${dir}" cannot hold the stores: ${(error as Error).message}`);
  }
}
