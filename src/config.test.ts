import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.ts';

test('every variable has a default', () => {
  assert.deepEqual(loadConfig({}), {
    dataDir: './data',
    simLatencyMs: 0,
    simFailureRate: 0,
    simSeed: 1,
    syncBudgetMs: 5_000,
    processSyncDeadlineMs: 10_000,
    cancelDeadlineMs: 10_000,
    backgroundRetry: { baseDelayMs: 250, maxDelayMs: 5_000, budgetMs: 600_000 },
    port: 3000,
    operatorToken: undefined,
    logLevel: 'info',
  });
});

test('an invalid value names its variable', () => {
  assert.throws(() => loadConfig({ SIM_LATENCY_MS: 'fast' }), (e: Error) => e instanceof ConfigError && e.message.startsWith('SIM_LATENCY_MS'));
  assert.throws(() => loadConfig({ SIM_FAILURE_RATE: '2' }), /SIM_FAILURE_RATE/);
  assert.equal(loadConfig({ SIM_FAILURE_RATE: '0.25', DATA_DIR: '/tmp/x' }).simFailureRate, 0.25);
  assert.throws(() => loadConfig({ PORT: '70000' }), /^ConfigError: PORT/);
  assert.throws(() => loadConfig({ OPERATOR_TOKEN: 'short' }), /OPERATOR_TOKEN/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  assert.throws(() => loadConfig({ CANCEL_DEADLINE_MS: '-1' }), /CANCEL_DEADLINE_MS/);
  assert.deepEqual(loadConfig({ RETRY_BASE_MS: '100', RETRY_MAX_MS: '2000', RETRY_BUDGET_MS: '60000' }).backgroundRetry, { baseDelayMs: 100, maxDelayMs: 2_000, budgetMs: 60_000 });
  assert.throws(() => loadConfig({ RETRY_BASE_MS: '1000', RETRY_MAX_MS: '500' }), /^ConfigError: RETRY_MAX_MS/);
  assert.throws(() => loadConfig({ RETRY_BUDGET_MS: 'ten minutes' }), /^ConfigError: RETRY_BUDGET_MS/);
  for (const raw of ['0x50', '4e3', ' 12', '1.', '']) {
    if (raw === '') assert.equal(loadConfig({ PORT: raw }).port, 3000, 'empty is the default');
    else assert.throws(() => loadConfig({ PORT: raw }), /^ConfigError: PORT/, `PORT=${JSON.stringify(raw)}`);
  }
  assert.equal(loadConfig({ SIM_FAILURE_RATE: '0.5' }).simFailureRate, 0.5);
  assert.equal(loadConfig({ OPERATOR_TOKEN: 'a-long-enough-token', LOG_LEVEL: 'warn', PORT: '0' }).operatorToken, 'a-long-enough-token');
});
