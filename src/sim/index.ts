// The simulated third parties (SPEC §7): the connectors the engine calls in every environment, and
// the admin controls over them (outage, latency, ledgers, outbox).
import type { Connectors, KeyValueStore } from '../domain/index.ts';
import { createAddressStandardizer } from './addressStandardizer.ts';
import { createCirculation } from './circulation.ts';
import { readLedger, type LedgerEntry, type SystemName } from './ledger.ts';
import { createMailer, type OutboxEntry } from './mailer.ts';
import { createPaymentGateway } from './paymentGateway.ts';
import { createPreferences } from './preferences.ts';
import { createRandom } from './random.ts';
import { createRegistration } from './registration.ts';
import type { CallConditions } from './simulateCall.ts';

export type { LedgerEntry, Operation, SystemName } from './ledger.ts';
export type { OutboxEntry } from './mailer.ts';
export { RATE_CODES } from './circulation.ts';

/** How to build the simulators. */
export interface SimulatorOptions {
  /** Where each system keeps its state and ledger: a store per system name. */
  store: { system(name: string): KeyValueStore };
  /** Round-trip latency of every call in ms, half before the act and half after (default 0). */
  latencyMs?: number;
  /** Probability, 0 to 1, that a call fails transiently before acting (default 0). */
  failureRate?: number;
  /** Seed of the random source behind the failure rate (default 1). */
  seed?: number;
  /** Now, in ms since the epoch (default `Date.now`). */
  clock?: () => number;
}

/** The admin switches and views over the simulators (API.md, `/v1/sim/...`). */
export interface SimulatorControls {
  /** Switches the circulation outage on or off; resolves once the switch is durable. */
  setOutage(on: boolean): Promise<void>;
  /** True while the circulation outage is on. */
  outage(): boolean;
  /** Sets the latency of every call from now on, in ms. */
  setLatency(ms: number): void;
  /** The current latency in ms. */
  latency(): number;
  /** Every effect performed, or one item's, oldest first (by `performedAt`: effects of one system in one millisecond in key order). */
  ledger(filter?: { itemId?: string }): LedgerEntry[];
  /** The mails sent, oldest first, or those to one address (any case). */
  outbox(filter?: { email?: string }): OutboxEntry[];
}

/** The simulators: the connectors for the engine and the controls for the admin API. */
export interface Simulators {
  connectors: Connectors;
  controls: SimulatorControls;
}

/** The systems that keep a ledger, in the order the ledger lists them at one instant. */
const SYSTEMS: readonly SystemName[] = ['payway', 'braintree', 'circulation', 'registration', 'preferences', 'mail'];

function checkLatency(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a non-negative number of ms, not ${ms}`);
  return ms;
}

/** Builds every simulated third party over its store in `options.store`. */
export function createSimulators(options: SimulatorOptions): Simulators {
  const failureRate = options.failureRate ?? 0;
  if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError(`failureRate must be between 0 and 1, not ${failureRate}`);
  let latency = checkLatency(options.latencyMs ?? 0);
  const conditions: CallConditions = {
    latencyMs: () => latency,
    failureRate,
    random: createRandom(options.seed ?? 1),
    clock: options.clock ?? Date.now,
  };
  const deps = (system: SystemName) => ({ store: options.store.system(system), conditions });

  const circulation = createCirculation(deps('circulation'));
  const mailer = createMailer(deps('mail'));
  const connectors: Connectors = {
    addresses: createAddressStandardizer({ conditions }),
    gateways: {
      payway: createPaymentGateway('payway', deps('payway')),
      braintree: createPaymentGateway('braintree', deps('braintree')),
    },
    circulation,
    registration: createRegistration(deps('registration')),
    preferences: createPreferences(deps('preferences')),
    mailer,
  };

  const controls: SimulatorControls = {
    setOutage: (on) => circulation.setOutage(on),
    outage: () => circulation.outage(),
    setLatency(ms) {
      latency = checkLatency(ms);
    },
    latency: () => latency,
    ledger(filter = {}) {
      const entries = SYSTEMS.flatMap((system) => readLedger(options.store.system(system), filter));
      // ISO times of one format sort as text; the sort is stable, so ties keep the system order.
      return entries.sort((a, b) => (a.performedAt < b.performedAt ? -1 : a.performedAt > b.performedAt ? 1 : 0));
    },
    outbox: (filter) => mailer.outbox(filter),
  };

  return { connectors, controls };
}
