// The simulated email-preferences system (SPEC §7, CHGEMAILPREF): subscribes an email to the
// default preferences, once per idempotency key.
import type { Preferences } from '../domain/index.ts';
import { createEffectRunner, perform, type SimulatorDeps } from './effectRunner.ts';
import { nextNumber } from './nextNumber.ts';

/** Builds the simulated preferences system over its own store. */
export function createPreferences(deps: SimulatorDeps): Preferences {
  const runner = createEffectRunner({ system: 'preferences', store: deps.store, conditions: deps.conditions });
  return {
    subscribe: (request, context) =>
      runner.effect('subscribe', context, (call) => {
        const number = nextNumber(runner.store, 'preference');
        const preferenceId = `pref-${number.value}`;
        return perform({ preferenceId }, [number.entry, [`preference/${preferenceId}`, { preferenceId, ...request, subscribedAt: call.at }]]);
      }),
  };
}
