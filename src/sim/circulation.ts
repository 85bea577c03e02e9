// The simulated circulation system (SPEC §7, and §3 for the occupant lookup): one for all consumer
// apps, keeping occupants, addresses, subscriptions with permanent account numbers, payments and
// stops; an admin outage switch makes every call fail transiently until it is switched off.
import { PermanentError, TransientError, type Address, type Circulation, type Occupant } from '../domain/index.ts';
import { answer, createEffectRunner, perform, refuse, type Outcome, type SimulatorDeps } from './effectRunner.ts';
import { ledgerKey, type LedgerRecord } from './ledger.ts';
import { nextNumber } from './nextNumber.ts';

/** The rate codes the circulation system knows; an offer with another fails ADDSUBSCRIPTION. */
export const RATE_CODES: readonly string[] = Object.freeze(['DIGITAL-MONTHLY', 'PRINT-7DAY', 'WEEKEND-2DAY']);

/** The circulation connector with its admin switch. */
export interface SimulatedCirculation extends Circulation {
  /** Switches the outage on or off; resolves once the switch is durable. */
  setOutage(on: boolean): Promise<void>;
  /** True while the outage is on. */
  outage(): boolean;
}

interface AddressRecord {
  addressId: string;
  occupantId: string;
  address: Address;
}

interface SubscriptionRecord {
  subscriptionId: string;
  accountNumber: string;
  occupantId: string;
  addressId: string;
  rateCode: string;
  status: 'active' | 'stopped';
  startedAt: string;
  stoppedAt?: string;
}

interface PaymentRecord {
  paymentId: string;
  accountNumber: string;
  amount: number;
  authorizationId: string;
  recordedAt: string;
}

const OUTAGE_KEY = 'outage';
/** Account numbers are digits only and all of one length: the first is 100000001. */
const FIRST_ACCOUNT_NUMBER = 100_000_000;
// Letters (with their combining marks), spaces and hyphens: ASCII's, and Unicode's hyphen and non-breaking hyphen.
const NAME_CHARACTER = /^[\p{L}\p{M} \-\u2010\u2011]$/u;

const padded = (value: number) => String(value).padStart(9, '0');
const normalEmail = (email: string) => email.trim().toLowerCase();
const emailKey = (email: string) => `occupant-email/${normalEmail(email)}/`;

/** The permanent error for a name the circulation system does not accept, or undefined. */
function nameRefusal(field: 'firstName' | 'lastName', value: string): PermanentError | undefined {
  if (value.trim() === '') {
    return new PermanentError('bad-user-data', 'missing-name', `${field} is empty, which the circulation system does not accept`, `subscriber.${field}`);
  }
  // Iterating by code point names a character outside the BMP whole, not half a surrogate pair.
  for (const character of value) {
    if (!NAME_CHARACTER.test(character)) {
      return new PermanentError(
        'bad-user-data',
        'invalid-character',
        `${field} contains ${JSON.stringify(character)}, which the circulation system does not accept (letters, spaces and hyphens only)`,
        `subscriber.${field}`,
      );
    }
  }
  return undefined;
}

/** Builds the simulated circulation system over its own store. */
export function createCirculation(deps: SimulatorDeps): SimulatedCirculation {
  const outageError = () =>
    new TransientError('the circulation system is unavailable (outage switched on by an administrator); try later');
  const runner = createEffectRunner({
    system: 'circulation',
    store: deps.store,
    conditions: deps.conditions,
    unavailable: () => (outage() ? outageError() : undefined),
  });
  const store = runner.store;
  // Read from the store on every call, so the switch holds across a restart.
  const outage = () => store.get<boolean>(OUTAGE_KEY) === true;

  function unknown(what: string, id: string): Outcome<never> {
    return refuse(new PermanentError('third-party', `unknown-${what}`, `the circulation system has no ${what} "${id}"`));
  }

  return {
    findOccupants: (request) =>
      runner.lookup(() => {
        const occupants = store
          .range<1>(emailKey(request.email))
          .map(([key]) => store.get<Occupant>(`occupant/${key.slice(key.lastIndexOf('/') + 1)}`))
          // The prefix also matches addresses that merely begin with this one and a slash.
          .filter((occupant): occupant is Occupant => occupant !== undefined && normalEmail(occupant.email) === normalEmail(request.email))
          // Not exact: any case of the address; the engine filters by names for the standard strategy.
          .filter((occupant) => !request.exact || occupant.email === request.email);
        return { occupants };
      }),

    createOccupant: (request, context) =>
      runner.effect('create-occupant', context, () => {
        const refusal = nameRefusal('firstName', request.firstName) ?? nameRefusal('lastName', request.lastName);
        if (refusal) return refuse(refusal);
        const number = nextNumber(store, 'occupant');
        const occupantId = `occ-${padded(number.value)}`;
        const occupant: Occupant = { occupantId, firstName: request.firstName, lastName: request.lastName, email: request.email };
        return perform({ occupantId }, [number.entry, [`occupant/${occupantId}`, occupant], [emailKey(request.email) + occupantId, 1]]);
      }),

    addAddress: (request, context) =>
      runner.effect('add-address', context, () => {
        if (!store.get<Occupant>(`occupant/${request.occupantId}`)) return unknown('occupant', request.occupantId);
        const number = nextNumber(store, 'address');
        const addressId = `addr-${padded(number.value)}`;
        const record: AddressRecord = { addressId, occupantId: request.occupantId, address: request.address };
        return perform({ addressId }, [number.entry, [`address/${addressId}`, record]]);
      }),

    addSubscription: (request, context) =>
      runner.effect('add-subscription', context, (call) => {
        if (!RATE_CODES.includes(request.rateCode)) {
          return refuse(
            new PermanentError(
              'bad-offer-setup',
              'unknown-rate-code',
              `rate code ${JSON.stringify(request.rateCode)} is not one the circulation system knows (${RATE_CODES.join(', ')})`,
            ),
          );
        }
        if (!store.get<Occupant>(`occupant/${request.occupantId}`)) return unknown('occupant', request.occupantId);
        const address = store.get<AddressRecord>(`address/${request.addressId}`);
        if (!address || address.occupantId !== request.occupantId) return unknown('address', request.addressId);
        const number = nextNumber(store, 'subscription');
        const accountNumber = String(FIRST_ACCOUNT_NUMBER + number.value);
        const subscriptionId = `sub-${padded(number.value)}`;
        const record: SubscriptionRecord = {
          subscriptionId,
          accountNumber,
          occupantId: request.occupantId,
          addressId: request.addressId,
          rateCode: request.rateCode,
          status: 'active',
          startedAt: call.at,
        };
        return perform({ subscriptionId, accountNumber }, [number.entry, [`subscription/${accountNumber}`, record]]);
      }),

    recordPayment: (request, context) =>
      runner.effect('record-payment', context, (call) => {
        if (!store.get<SubscriptionRecord>(`subscription/${request.accountNumber}`)) return unknown('account', request.accountNumber);
        if (!Number.isSafeInteger(request.amount) || request.amount < 0) {
          return refuse(new PermanentError('third-party', 'invalid-amount', `the circulation system records a whole number of cents, not ${request.amount}`));
        }
        const number = nextNumber(store, 'payment');
        const paymentId = `pay-${padded(number.value)}`;
        const record: PaymentRecord = { paymentId, ...request, recordedAt: call.at };
        return perform({ paymentId }, [number.entry, [`payment/${paymentId}`, record]], request.amount);
      }),

    stopSubscription: (request, context) =>
      runner.effect<{ stopped: boolean; accountNumber?: string }>('stop-subscription', context, (call) => {
        let accountNumber: string;
        if ('accountNumber' in request) accountNumber = request.accountNumber;
        else {
          // The ledger of the subscription's own key finds it even when its caller never heard the number.
          const added = store.get<LedgerRecord>(ledgerKey(request.subscriptionKey));
          if (!added || added.operation !== 'add-subscription') return answer({ stopped: false });
          accountNumber = (added.result as { accountNumber: string }).accountNumber;
        }
        const subscription = store.get<SubscriptionRecord>(`subscription/${accountNumber}`);
        if (!subscription) return unknown('account', accountNumber);
        // Stopping a stopped subscription changes nothing but is no error: the subscription is stopped.
        const stopped: SubscriptionRecord = subscription.status === 'stopped' ? subscription : { ...subscription, status: 'stopped', stoppedAt: call.at };
        return perform({ stopped: true, accountNumber }, [[`subscription/${accountNumber}`, stopped]]);
      }),

    setOutage: (on) => store.write([[OUTAGE_KEY, on]]),
    outage,
  };
}
