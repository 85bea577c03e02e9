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
  for (const raw of ['0x50', '4e3', ' 12', '1.', '']) {
    if (raw === '') assert.equal(loadConfig({ PORT: raw }).port, 3000, 'empty is the default');
    else assert.throws(() => loadConfig({ PORT: raw }), /^ConfigError: PORT/, `PORT=${JSON.stringify(raw)}`);
  }
  assert.equal(loadConfig({ SIM_FAILURE_RATE: '0.5' }).simFailureRate, 0.5);
  assert.equal(loadConfig({ OPERATOR_TOKEN: 'a-long-enough-token', LOG_LEVEL: 'warn', PORT: '0' }).operatorToken, 'a-long-enough-token');
});
