// Composition root: configuration → store → simulators → engine, then the scripted demo.
import { loadConfig, ConfigError } from './config.ts';
import { openProduct } from './product.ts';
import { runDemo } from './demo.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`configuration: ${error.message}`);
  process.exit(1);
}
const product = openProduct(config);
const recovery = await product.engine.start();
console.log(`store in ${config.dataDir}; recovery aborted ${recovery.abortedOrders} orders and resumed ${recovery.resumedItems} items`);
await runDemo(product);
await product.close();
