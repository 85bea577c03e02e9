// How each step and action of the chart calls its third party: the request built from the item's
// data and what earlier steps returned, and what the reply gives back to the chart.
import {
  PermanentError,
  TransientError,
  callKey,
  ensureError,
  type Address,
  type Connectors,
  type ItemRecord,
  type Offer,
  type StepName,
} from '../domain/index.ts';
import type { ActionCall, CallError, Refs, StepOutput } from '../machines/index.ts';

/** What one call needs besides the connectors. */
export interface CallInput {
  item: ItemRecord;
  refs: Refs;
  /** The offer's current setup (SPEC §3: a reprocess uses the current offer). */
  offer: Offer | undefined;
}

/** One call: the request it sends (also the event's `data`) and how it is made. */
interface CallDefinition {
  request(input: CallInput): Record<string, unknown>;
  invoke(connectors: Connectors, request: any, input: CallInput, key: string): Promise<StepOutput>;
}

const gateway = (connectors: Connectors, item: ItemRecord) => {
  if (!item.gateway) throw new Error(`item ${item.itemId} has no payment gateway`);
  return connectors.gateways[item.gateway];
};

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

const ADDRESS_FIELDS = ['line1', 'line2', 'unit', 'city', 'postalCode', 'country'] as const;
const sameAddress = (a: Address, b: Address) => ADDRESS_FIELDS.every((field) => a[field] === b[field]);

const lookupRequest = (item: ItemRecord) => ({ email: item.data.subscriber.email, exact: item.lookupStrategy === 'email-only' });

/** The occupant the item's lookup strategy matches (SPEC §3), if there is one. */
async function findOccupant(connectors: Connectors, request: { email: string; exact: boolean }, item: ItemRecord, key: string): Promise<string | undefined> {
  const { occupants } = await connectors.circulation.findOccupants(request, { idempotencyKey: key, itemId: item.itemId });
  const { firstName, lastName, email } = item.data.subscriber;
  const match =
    item.lookupStrategy === 'email-only'
      ? occupants[0]
      : occupants.find((o) => same(o.firstName, firstName) && same(o.lastName, lastName) && same(o.email, email));
  return match?.occupantId;
}

const CALLS: Record<Exclude<StepName, 'STARTSTD'> | ActionCall, CallDefinition> = {
  ADDRSTD: {
    request: ({ item }) => {
      const { deliveryAddress, billingAddress } = item.enteredAddresses ?? item.data;
      return { deliveryAddress, billingAddress };
    },
    // The standardized addresses go on as the start's data (orders.ts, at the commit).
    async invoke(connectors, request, { item }, key) {
      const delivery = await connectors.addresses.standardize({ address: request.deliveryAddress, field: 'deliveryAddress' }, { idempotencyKey: key, itemId: item.itemId });
      const billing = sameAddress(request.billingAddress, request.deliveryAddress)
        ? delivery
        : await connectors.addresses.standardize({ address: request.billingAddress, field: 'billingAddress' }, { idempotencyKey: `${key}/billing`, itemId: item.itemId });
      return { standardized: { deliveryAddress: delivery.address, billingAddress: billing.address } };
    },
  },
  AUTHCC: {
    request: ({ item }) => ({ gateway: item.gateway, amount: item.price }),
    async invoke(connectors, request, { item }, key) {
      const reply = await gateway(connectors, item).authorize({ token: item.paymentToken ?? '', amount: request.amount }, { idempotencyKey: key, itemId: item.itemId });
      return { authorizationId: reply.authorizationId, authorizedAmount: reply.amount };
    },
  },
  FINDADDRESSOCCUPANT: {
    request: ({ item }) => lookupRequest(item),
    async invoke(connectors, request, { item }, key) {
      const occupantId = await findOccupant(connectors, request, item, key);
      return occupantId ? { occupantId } : {};
    },
  },
  CREATESUBSCRIBER: {
    request: ({ item }) => ({ ...item.data.subscriber }),
    async invoke(connectors, request, { item }, key) {
      // Looks again first, under the occupant lock: since this item's lookup, another item of the
      // same email may have created the occupant (a reprocess resumes here, past the lookup).
      const found = await findOccupant(connectors, lookupRequest(item), item, key);
      if (found) return { occupantId: found };
      const reply = await connectors.circulation.createOccupant(request, { idempotencyKey: key, itemId: item.itemId });
      return { occupantId: reply.occupantId };
    },
  },
  ADDADDRESSOCCUPANT: {
    request: ({ item, refs }) => ({ occupantId: refs.occupantId, address: item.data.deliveryAddress }),
    async invoke(connectors, request, { item }, key) {
      const reply = await connectors.circulation.addAddress(request, { idempotencyKey: key, itemId: item.itemId });
      return { addressId: reply.addressId };
    },
  },
  ADDSUBSCRIPTION: {
    request: ({ refs, offer }) => ({ occupantId: refs.occupantId, addressId: refs.addressId, rateCode: offer?.rateCode }),
    async invoke(connectors, request, { item }, key) {
      const reply = await connectors.circulation.addSubscription(request, { idempotencyKey: key, itemId: item.itemId });
      return { subscriptionId: reply.subscriptionId, accountNumber: reply.accountNumber };
    },
  },
  CCFUNDCAPTURE: {
    // Never more than was authorized, even if the offer's price changed since (SPEC §3).
    request: ({ refs }) => ({ authorizationId: refs.authorizationId, amount: refs.authorizedAmount }),
    async invoke(connectors, request, { item }, key) {
      const reply = await gateway(connectors, item).capture(request, { idempotencyKey: key, itemId: item.itemId });
      return { captureId: reply.captureId, capturedAmount: reply.amount };
    },
  },
  PAYMENTNEWSTART: {
    request: ({ refs }) => ({ accountNumber: refs.accountNumber, amount: refs.capturedAmount, authorizationId: refs.authorizationId }),
    async invoke(connectors, request, { item }, key) {
      const reply = await connectors.circulation.recordPayment(request, { idempotencyKey: key, itemId: item.itemId });
      return { paymentId: reply.paymentId };
    },
  },
  UPDATEPAYMENTTRAN: {
    request: ({ refs }) => ({ authorizationId: refs.authorizationId, accountNumber: refs.accountNumber, paymentId: refs.paymentId }),
    async invoke(connectors, request, { item }, key) {
      await gateway(connectors, item).updateTransaction(request, { idempotencyKey: key, itemId: item.itemId });
      return {};
    },
  },
  LINKOWNER: {
    request: ({ item, refs }) => ({ customerId: item.customerId, accountNumber: refs.accountNumber, email: item.data.subscriber.email }),
    async invoke(connectors, request, { item }, key) {
      await connectors.registration.linkOwner(request, { idempotencyKey: key, itemId: item.itemId });
      return {};
    },
  },
  CHGEMAILPREF: {
    request: ({ item, refs }) => ({ email: item.data.subscriber.email, accountNumber: refs.accountNumber }),
    async invoke(connectors, request, { item }, key) {
      await connectors.preferences.subscribe(request, { idempotencyKey: key, itemId: item.itemId });
      return {};
    },
  },
  mail: {
    request: ({ item, refs }) => ({
      to: item.data.subscriber.email,
      subject: `${item.name} is ready: account ${refs.accountNumber}`,
      accountNumber: refs.accountNumber,
    }),
    async invoke(connectors, request, { item }, key) {
      await connectors.mailer.send(request, { idempotencyKey: key, itemId: item.itemId });
      return {};
    },
  },
  void: {
    // By the authorization's own key: a crash may have hidden its id from the engine.
    request: ({ item }) => ({ authorizationKey: callKey(item.itemId, 'AUTHCC') }),
    async invoke(connectors, request, { item }, key) {
      await gateway(connectors, item).void(request, { idempotencyKey: key, itemId: item.itemId });
      return {};
    },
  },
  refund: {
    request: ({ refs }) => ({ authorizationId: refs.authorizationId }),
    async invoke(connectors, request, { item }, key) {
      await gateway(connectors, item).refund(request, { idempotencyKey: key, itemId: item.itemId });
      return {};
    },
  },
  'stop-subscription': {
    // By the account number, or by ADDSUBSCRIPTION's key when a crash hid the number from the engine.
    request: ({ item, refs }) => (refs.accountNumber ? { accountNumber: refs.accountNumber } : { subscriptionKey: callKey(item.itemId, 'ADDSUBSCRIPTION') }),
    async invoke(connectors, request, { item }, key) {
      const reply = await connectors.circulation.stopSubscription(request, { idempotencyKey: key, itemId: item.itemId });
      return reply.accountNumber ? { accountNumber: reply.accountNumber } : {};
    },
  },
};

/** The request a call sends, which is also the `data` of its event. */
export function callRequest(call: Exclude<StepName, 'STARTSTD'> | ActionCall, input: CallInput): Record<string, unknown> {
  return CALLS[call].request(input);
}

/** Makes a call with its idempotency key; resolves to what the chart's `step.done` carries. */
export function invokeCall(
  connectors: Connectors,
  call: Exclude<StepName, 'STARTSTD'> | ActionCall,
  input: CallInput,
): Promise<StepOutput> {
  const definition = CALLS[call];
  return definition.invoke(connectors, definition.request(input), input, callKey(input.item.itemId, call));
}

/** What the chart records of a thrown error: transient, or permanent with its category. */
export function toCallError(thrown: unknown): CallError {
  if (thrown instanceof PermanentError) {
    return { message: thrown.message, category: thrown.category, transient: false, reason: thrown.reason, ...(thrown.field ? { field: thrown.field } : {}) };
  }
  const error = ensureError(thrown);
  // Anything else a connector throws is treated like a 5xx: retried, never trusted as a refusal.
  return { message: error.message, category: 'third-party', transient: true, reason: error instanceof TransientError ? 'transient' : 'unexpected' };
}
