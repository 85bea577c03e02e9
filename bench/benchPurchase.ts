// The purchases the benchmarks place: one item, zero-latency simulators. The engine benchmarks'
// items come in pairs sharing an email: the first creates the occupant, the second's lookup finds
// it (12.5 transitions per item on average, as in DESIGN.md); half the items pay through each gateway.
import { parsePurchase, type PurchaseInput } from '../src/domain/index.ts';

/** The i-th benchmark purchase. */
export function benchPurchase(i: number): PurchaseInput {
  return parsePurchase({
    customerId: `c${i}`,
    subscriber: { firstName: 'Pat', lastName: 'Lee', email: `p${i >> 1}@example.com` },
    deliveryAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    payment: { gateway: i % 4 < 2 ? 'payway' : 'braintree', token: 'tok_visa' },
    items: [{ offerId: 'daily-digital' }],
  });
}

/** The i-th purchase body the HTTP benchmarks post: its own subscriber email, payway, for `customerId`. */
export function httpPurchaseBody(i: number, customerId = `c${i}`): Record<string, unknown> {
  return {
    customerId,
    subscriber: { firstName: 'Pat', lastName: 'Lee', email: `p${i}@example.com` },
    deliveryAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    payment: { gateway: 'payway', token: 'tok_visa' },
    items: [{ offerId: 'daily-digital' }],
  };
}
