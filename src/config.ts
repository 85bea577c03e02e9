// Configuration (SPEC §10): the only reader of process.env. Every variable has a default; an
// invalid value stops the start-up with a message naming the variable.

/** The product's settings. */
export interface Config {
  /** DATA_DIR: where the embedded store and the simulators' stores live (default `./data`). */
  dataDir: string;
  /** SIM_LATENCY_MS: round-trip latency of every simulated third-party call, 0–10,000 ms (default 0). */
  simLatencyMs: number;
  /** SIM_FAILURE_RATE: probability 0–1 that a simulated call fails transiently (default 0). */
  simFailureRate: number;
  /** SIM_SEED: seed of the simulators' random source (default 1). */
  simSeed: number;
  /** SYNC_BUDGET_MS: in-request retry budget of ADDRSTD and AUTHCC (default 5,000). */
  syncBudgetMs: number;
  /** PROCESS_SYNC_DEADLINE_MS: how long a processSync purchase may wait (default 10,000). */
  processSyncDeadlineMs: number;
  /** CANCEL_DEADLINE_MS: how long a shopper's cancel waits for the stop to be recorded (default 10,000). */
  cancelDeadlineMs: number;
  /**
   * The retry policy of every background step (SPEC §3): RETRY_BASE_MS, the first wait (default
   * 250), doubling per attempt up to RETRY_MAX_MS (default 5,000), until RETRY_BUDGET_MS of
   * transient failures (default 600,000: ten minutes) fail the step.
   */
  backgroundRetry: { baseDelayMs: number; maxDelayMs: number; budgetMs: number };
  /** PORT: the HTTP port (default 3000; 0 picks a free one). */
  port: number;
  /** OPERATOR_TOKEN: bearer token of the operator `admin` (default: a random one, printed at start-up). */
  operatorToken: string | undefined;
  /** LOG_LEVEL: pino level, `fatal` … `trace` or `silent` (default `info`). */
  logLevel: LogLevel;
}

/** The log levels LOG_LEVEL accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, integer = true): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  // Plain decimal only: Number() would also take "0x50", "4e3" and " 12".
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new ConfigError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

/** Reads the configuration from the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    dataDir: env.DATA_DIR?.trim() || './data',
    simLatencyMs: number(env, 'SIM_LATENCY_MS', 0, 0, 10_000),
    simFailureRate: number(env, 'SIM_FAILURE_RATE', 0, 0, 1, false),
    simSeed: number(env, 'SIM_SEED', 1, 0, 2 ** 32 - 1),
    syncBudgetMs: number(env, 'SYNC_BUDGET_MS', 5_000, 0, 600_000),
    processSyncDeadlineMs: number(env, 'PROCESS_SYNC_DEADLINE_MS', 10_000, 0, 600_000),
    cancelDeadlineMs: number(env, 'CANCEL_DEADLINE_MS', 10_000, 0, 600_000),
    backgroundRetry: backgroundRetry(env),
    port: number(env, 'PORT', 3000, 0, 65_535),
    operatorToken: operatorToken(env),
    logLevel: logLevel(env),
  };
}

function backgroundRetry(env: NodeJS.ProcessEnv): Config['backgroundRetry'] {
  const baseDelayMs = number(env, 'RETRY_BASE_MS', 250, 1, 3_600_000);
  const maxDelayMs = number(env, 'RETRY_MAX_MS', Math.max(5_000, baseDelayMs), 1, 3_600_000);
  if (maxDelayMs < baseDelayMs) throw new ConfigError(`RETRY_MAX_MS must be at least RETRY_BASE_MS (${baseDelayMs}), not "${env.RETRY_MAX_MS}"`);
  return { baseDelayMs, maxDelayMs, budgetMs: number(env, 'RETRY_BUDGET_MS', 600_000, 0, 7 * 24 * 3_600_000) };
}

function operatorToken(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.OPERATOR_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[\x21-\x7e]{16,200}$/.test(raw)) throw new ConfigError('OPERATOR_TOKEN must be 16 to 200 printable characters without spaces');
  return raw;
}

function logLevel(env: NodeJS.ProcessEnv): LogLevel {
  const raw = env.LOG_LEVEL?.trim() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${raw}"`);
  return raw as LogLevel;
}
