// The third parties behind the new-start steps (SPEC §7). The simulators in src/sim implement
// these; a real integration would too. Every effect takes an idempotency key: a call that
// arrives again with a key already performed returns the recorded result and does nothing.
// Errors are TransientError (try later) or PermanentError (rejected); nothing else is thrown.

/** A postal address as the purchase carries it. */
export interface Address {
  line1: string;
  line2?: string;
  unit?: string;
  city: string;
  postalCode: string;
  /** ISO 3166 alpha-2. */
  country: string;
}

/** What every call carries besides its own request. */
export interface CallContext {
  /** Stable for one item and one step across retries, restarts and reprocessing. */
  readonly idempotencyKey: string;
  /** The order item the call serves, for the ledger. */
  readonly itemId: string;
}

/** Address standardization (ADDRSTD): changes nothing, so it is not an effect. */
export interface AddressStandardizer {
  /** `field` names the address in a refusal's message. */
  standardize(request: { address: Address; field: 'deliveryAddress' | 'billingAddress' }, context: CallContext): Promise<{ address: Address }>;
}

/** The payment gateways a purchase may name. */
export type GatewayName = 'payway' | 'braintree';

/** A card payment gateway (AUTHCC, CCFUNDCAPTURE, UPDATEPAYMENTTRAN, void and refund). */
export interface PaymentGateway {
  /** Authorizes `amount` cents on the tokenized card. */
  authorize(request: { token: string; amount: number }, context: CallContext): Promise<{ authorizationId: string; amount: number }>;
  /** Captures at most the authorized amount. */
  capture(request: { authorizationId: string; amount: number }, context: CallContext): Promise<{ captureId: string; amount: number }>;
  /** Stores circulation info on the payment transaction. */
  updateTransaction(
    request: { authorizationId: string; accountNumber: string; paymentId: string },
    context: CallContext,
  ): Promise<{ updated: true }>;
  /**
   * Voids the authorization that was made under `authorizationKey`, if one was: a crash can fall
   * between an authorization and the engine hearing of it, so the engine may not know its id.
   */
  void(request: { authorizationKey: string }, context: CallContext): Promise<{ voided: boolean; amount: number }>;
  /** Refunds what was captured on the authorization. */
  refund(request: { authorizationId: string }, context: CallContext): Promise<{ refundId: string; amount: number }>;
}

/** An occupant record of the circulation system. */
export interface Occupant {
  occupantId: string;
  firstName: string;
  lastName: string;
  email: string;
}

/** The circulation system: one for all consumer apps, so its occupants are shared. */
export interface Circulation {
  /** Real-time occupant lookup (FINDADDRESSOCCUPANT); `exact` asks for an exact email match. */
  findOccupants(request: { email: string; exact: boolean }, context: CallContext): Promise<{ occupants: Occupant[] }>;
  /** CREATESUBSCRIBER. */
  createOccupant(request: { firstName: string; lastName: string; email: string }, context: CallContext): Promise<{ occupantId: string }>;
  /** ADDADDRESSOCCUPANT. */
  addAddress(request: { occupantId: string; address: Address }, context: CallContext): Promise<{ addressId: string }>;
  /** ADDSUBSCRIPTION: returns the permanent account number. */
  addSubscription(
    request: { occupantId: string; addressId: string; rateCode: string },
    context: CallContext,
  ): Promise<{ subscriptionId: string; accountNumber: string }>;
  /** PAYMENTNEWSTART. */
  recordPayment(request: { accountNumber: string; amount: number; authorizationId: string }, context: CallContext): Promise<{ paymentId: string }>;
  /**
   * Stops a subscription (close after ADDSUBSCRIPTION, or a shopper's cancel): by its account
   * number, or, when the caller never heard it (a crash fell between the effect and the reply), the
   * one `subscriptionKey` made, if it made one. Answers the account number it stopped.
   */
  stopSubscription(
    request: { accountNumber: string } | { subscriptionKey: string },
    context: CallContext,
  ): Promise<{ stopped: boolean; accountNumber?: string }>;
}

/** The shopper registration system (LINKOWNER). */
export interface Registration {
  linkOwner(request: { customerId: string; accountNumber: string; email: string }, context: CallContext): Promise<{ linkId: string }>;
}

/** Email preferences (CHGEMAILPREF). */
export interface Preferences {
  subscribe(request: { email: string; accountNumber: string }, context: CallContext): Promise<{ preferenceId: string }>;
}

/** The mail outbox: the confirmation mail carrying the permanent account number. */
export interface Mailer {
  send(request: { to: string; subject: string; accountNumber: string }, context: CallContext): Promise<{ messageId: string }>;
}

/** Every third party the engine talks to. */
export interface Connectors {
  readonly addresses: AddressStandardizer;
  readonly gateways: Readonly<Record<GatewayName, PaymentGateway>>;
  readonly circulation: Circulation;
  readonly registration: Registration;
  readonly preferences: Preferences;
  readonly mailer: Mailer;
}
