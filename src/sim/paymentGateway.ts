// A simulated card payment gateway, Payway or Braintree (SPEC §7, the payment-token rules): it
// remembers every authorization, so capture, update, void and refund know its token and amount.
import { PermanentError, TransientError, type GatewayName, type PaymentGateway } from '../domain/index.ts';
import { answer, createEffectRunner, perform, refuse, type EffectCall, type Outcome, type SimulatorDeps } from './effectRunner.ts';
import { ledgerKey, type LedgerRecord } from './ledger.ts';
import { nextNumber } from './nextNumber.ts';

/** An authorization as the gateway keeps it. */
interface Authorization {
  authorizationId: string;
  token: string;
  /** Cents authorized. */
  amount: number;
  idempotencyKey: string;
  itemId: string;
  status: 'authorized' | 'captured' | 'voided' | 'refunded';
  captureId?: string;
  capturedAmount?: number;
  refundId?: string;
  transaction?: { accountNumber: string; paymentId: string };
}

/** The payment calls, as the token rules tell them apart. */
type PaymentCall = 'authorize' | 'capture' | 'update-transaction' | 'void' | 'refund';

const ID_PREFIX: Record<GatewayName, string> = { payway: 'pw', braintree: 'bt' };

/** Builds the simulated gateway `name` over its own store. */
export function createPaymentGateway(name: GatewayName, deps: SimulatorDeps): PaymentGateway {
  const runner = createEffectRunner({ system: name, store: deps.store, conditions: deps.conditions });
  const store = runner.store;
  const prefix = ID_PREFIX[name];
  const authKey = (authorizationId: string) => `authorization/${authorizationId}`;

  /** The refusal the token's rule gives this call, if any (SPEC §7). */
  function tokenRule(token: string, operation: PaymentCall, call: EffectCall): Outcome<never> | undefined {
    switch (token) {
      case 'tok_unavailable':
        return refuse(new TransientError(`${name} is unavailable (token tok_unavailable fails every payment call); try later`));
      case 'tok_flaky':
        // Twice per idempotency key, so every payment step of the item meets two transient failures.
        if (call.priorRefusals() < 2) {
          return refuse(new TransientError(`${name} timed out (token tok_flaky fails each call twice); try again`), { countCall: true });
        }
        return undefined;
      case 'tok_decline':
        if (operation !== 'authorize') return undefined;
        return refuse(new PermanentError('bad-user-data', 'card-declined', `${name} declined the card (token tok_decline)`));
      case 'tok_capture_fail':
        if (operation !== 'capture') return undefined;
        return refuse(new PermanentError('third-party', 'capture-failed', `${name} refused to capture the funds (token tok_capture_fail)`));
      case 'tok_update_fail':
        if (operation !== 'update-transaction') return undefined;
        return refuse(
          new PermanentError('third-party', 'update-failed', `${name} refused to update the payment transaction (token tok_update_fail)`),
        );
      default:
        return undefined;
    }
  }

  /** The authorization an operation names, or the refusal when the gateway does not know it. */
  function authorization(authorizationId: string, operation: PaymentCall): Authorization | Outcome<never> {
    const found = store.get<Authorization>(authKey(authorizationId));
    if (found) return found;
    return refuse(new PermanentError('third-party', 'unknown-authorization', `${name} has no authorization "${authorizationId}" to ${operation}`));
  }

  const isOutcome = (value: Authorization | Outcome<never>): value is Outcome<never> => 'kind' in value;

  return {
    authorize: (request, context) =>
      runner.effect('authorize', context, (call) => {
        if (!request.token.startsWith('tok_')) {
          return refuse(new PermanentError('bad-user-data', 'invalid-token', `${name} expected a payment token starting with "tok_"`));
        }
        const ruled = tokenRule(request.token, 'authorize', call);
        if (ruled) return ruled;
        if (!Number.isSafeInteger(request.amount) || request.amount <= 0) {
          return refuse(new PermanentError('bad-offer-setup', 'invalid-amount', `${name} authorizes a positive whole number of cents, not ${request.amount}`));
        }
        const number = nextNumber(store, 'authorization');
        const authorizationId = `${prefix}_auth_${number.value}`;
        const record: Authorization = {
          authorizationId,
          token: request.token,
          amount: request.amount,
          idempotencyKey: context.idempotencyKey,
          itemId: context.itemId,
          status: 'authorized',
        };
        return perform({ authorizationId, amount: request.amount }, [number.entry, [authKey(authorizationId), record]], request.amount);
      }),

    capture: (request, context) =>
      runner.effect('capture', context, (call) => {
        const auth = authorization(request.authorizationId, 'capture');
        if (isOutcome(auth)) return auth;
        const ruled = tokenRule(auth.token, 'capture', call);
        if (ruled) return ruled;
        if (auth.status !== 'authorized') {
          const reason = auth.status === 'voided' ? 'authorization-voided' : 'already-captured';
          return refuse(new PermanentError('third-party', reason, `${name} cannot capture ${auth.authorizationId}: it is ${auth.status}`));
        }
        if (!Number.isSafeInteger(request.amount) || request.amount <= 0) {
          return refuse(new PermanentError('third-party', 'invalid-amount', `${name} captures a positive whole number of cents, not ${request.amount}`));
        }
        if (request.amount > auth.amount) {
          return refuse(
            new PermanentError(
              'third-party',
              'amount-exceeds-authorization',
              `${name} captures at most the ${auth.amount} cents authorized on ${auth.authorizationId}, not ${request.amount}`,
            ),
          );
        }
        const number = nextNumber(store, 'capture');
        const captureId = `${prefix}_cap_${number.value}`;
        const captured: Authorization = { ...auth, status: 'captured', captureId, capturedAmount: request.amount };
        return perform({ captureId, amount: request.amount }, [number.entry, [authKey(auth.authorizationId), captured]], request.amount);
      }),

    updateTransaction: (request, context) =>
      runner.effect('update-transaction', context, (call) => {
        const auth = authorization(request.authorizationId, 'update-transaction');
        if (isOutcome(auth)) return auth;
        const ruled = tokenRule(auth.token, 'update-transaction', call);
        if (ruled) return ruled;
        const updated: Authorization = { ...auth, transaction: { accountNumber: request.accountNumber, paymentId: request.paymentId } };
        return perform({ updated: true as const }, [[authKey(auth.authorizationId), updated]]);
      }),

    void: (request, context) =>
      runner.effect<{ voided: boolean; amount: number }>('void', context, (call) => {
        // The ledger of the authorization's own key finds it even when its caller never heard the id.
        const authorized = store.get<LedgerRecord>(ledgerKey(request.authorizationKey));
        if (!authorized || authorized.operation !== 'authorize') return answer({ voided: false, amount: 0 });
        const auth = authorization((authorized.result as { authorizationId: string }).authorizationId, 'void');
        if (isOutcome(auth)) return auth;
        const ruled = tokenRule(auth.token, 'void', call);
        if (ruled) return ruled;
        if (auth.status === 'voided') return answer({ voided: false, amount: 0 });
        if (auth.status !== 'authorized') {
          return refuse(
            new PermanentError('third-party', 'already-captured', `${name} cannot void ${auth.authorizationId}: it is ${auth.status}; refund it instead`),
          );
        }
        return perform({ voided: true, amount: auth.amount }, [[authKey(auth.authorizationId), { ...auth, status: 'voided' }]], auth.amount);
      }),

    refund: (request, context) =>
      runner.effect('refund', context, (call) => {
        const auth = authorization(request.authorizationId, 'refund');
        if (isOutcome(auth)) return auth;
        const ruled = tokenRule(auth.token, 'refund', call);
        if (ruled) return ruled;
        if (auth.status !== 'captured' || auth.capturedAmount === undefined) {
          const reason = auth.status === 'refunded' ? 'already-refunded' : 'not-captured';
          const hint = auth.status === 'authorized' ? '; void it instead' : '';
          return refuse(new PermanentError('third-party', reason, `${name} cannot refund ${auth.authorizationId}: it is ${auth.status}${hint}`));
        }
        const number = nextNumber(store, 'refund');
        const refundId = `${prefix}_ref_${number.value}`;
        const refunded: Authorization = { ...auth, status: 'refunded', refundId };
        return perform(
          { refundId, amount: auth.capturedAmount },
          [number.entry, [authKey(auth.authorizationId), refunded]],
          auth.capturedAmount,
        );
      }),
  };
}
