// The simulated shopper registration system (SPEC §7, LINKOWNER): links a new start to the
// shopper's registration, once per idempotency key.
import type { Registration } from '../domain/index.ts';
import { createEffectRunner, perform, type SimulatorDeps } from './effectRunner.ts';
import { nextNumber } from './nextNumber.ts';

/** Builds the simulated registration system over its own store. */
export function createRegistration(deps: SimulatorDeps): Registration {
  const runner = createEffectRunner({ system: 'registration', store: deps.store, conditions: deps.conditions });
  return {
    linkOwner: (request, context) =>
      runner.effect('link-owner', context, (call) => {
        const number = nextNumber(runner.store, 'link');
        const linkId = `link-${number.value}`;
        return perform({ linkId }, [number.entry, [`link/${linkId}`, { linkId, ...request, linkedAt: call.at }]]);
      }),
  };
}
