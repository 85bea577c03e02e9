import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePurchase, parseOrRefuse, startUpdateSchema } from './purchase.ts';
import { z } from 'zod';
import { Refusal } from './errors.ts';

const valid = () => ({
  customerId: 'c1',
  subscriber: { firstName: 'Jane', lastName: "Doe's", email: 'jane@example.com' },
  deliveryAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  payment: { gateway: 'payway', token: 'tok_visa' },
  items: [{ offerId: 'daily-digital' }],
});

function issuesOf(body: unknown): string[] {
  try {
    parsePurchase(body);
  } catch (error) {
    assert.ok(error instanceof Refusal);
    assert.equal(error.code, 'invalid');
    return error.issues.map((i) => i.path);
  }
  assert.fail('expected a refusal');
}

test('accepts a valid purchase, names that fail later included, and defaults the kind', () => {
  const purchase = parsePurchase(valid());
  assert.equal(purchase.items[0].kind, 'subscription');
  assert.equal(purchase.subscriber.lastName, "Doe's");
});

test('names every bad field by its full path, unknown fields too', () => {
  const body: any = valid();
  body.subscriber.email = 'nope';
  body.items[0].price = 1;
  body.extra = true;
  body.deliveryAddress.country = 'usa';
  assert.deepEqual(issuesOf(body).sort(), ['deliveryAddress.country', 'extra', 'items[0].price', 'subscriber.email']);
});

test('a country is an assigned ISO 3166-1 alpha-2 code', () => {
  for (const country of ['GB', 'AX', 'CA', 'SS']) {
    assert.equal(parsePurchase({ ...valid(), deliveryAddress: { ...valid().deliveryAddress, country } }).deliveryAddress.country, country);
  }
  for (const country of ['ZZ', 'XX', 'UK', 'us', 'USA', '']) {
    assert.deepEqual(issuesOf({ ...valid(), deliveryAddress: { ...valid().deliveryAddress, country } }), ['deliveryAddress.country'], country);
  }
});

test('refuses a card number instead of a token without echoing it', () => {
  const body: any = valid();
  body.payment.token = '4242 4242-4242 4242';
  try {
    parsePurchase(body);
    assert.fail('expected a refusal');
  } catch (error) {
    assert.ok(error instanceof Refusal);
    assert.deepEqual(error.issues.map((i) => i.path), ['payment.token']);
    assert.ok(!error.message.includes('4242'), 'card data never appears in a message');
  }
});

test('takes any printable tok_… as a token (SPEC §7), and nothing else', () => {
  const withToken = (token: string) => {
    const body: any = valid();
    body.payment.token = token;
    return body;
  };
  for (const token of ['tok_visa', 'tok_visa-debit', 'tok_a.b', `tok_${'x'.repeat(200)}`]) assert.equal(parsePurchase(withToken(token)).payment?.token, token);
  for (const token of ['tok_', 'visa', 'tok_a b', `tok_${'x'.repeat(201)}`]) assert.deepEqual(issuesOf(withToken(token)), ['payment.token'], token);
});

test('enforces the limits of SPEC §9', () => {
  const long: any = valid();
  long.subscriber.firstName = 'x'.repeat(101);
  long.deliveryAddress.line1 = 'x'.repeat(201);
  long.items = Array.from({ length: 21 }, () => ({ offerId: 'weekend' }));
  long.subscriber.email = `${'a'.repeat(250)}@example.com`;
  assert.deepEqual(issuesOf(long).sort(), ['deliveryAddress.line1', 'items', 'subscriber.email', 'subscriber.firstName']);
  const none: any = valid();
  none.items = [];
  assert.deepEqual(issuesOf(none), ['items']);
});

test('an Event Viewer update accepts only the editable fields', () => {
  assert.deepEqual(parseOrRefuse(startUpdateSchema, { subscriber: { lastName: 'Doe' } }, 'the update'), { subscriber: { lastName: 'Doe' } });
  assert.throws(
    () => parseOrRefuse(startUpdateSchema, { subscriber: { lastName: 'Doe' }, deliveryAddress: { country: 'CA' }, offerId: 'x' }, 'the update'),
    (error: Refusal) => error.issues.map((i) => i.path).sort().join() === 'deliveryAddress.country,offerId',
  );
});

test('refuses text that cannot be shown back: control characters, bidirectional overrides, unpaired surrogates; a blank customer', () => {
  const cases: Array<[path: string, patch: (body: ReturnType<typeof valid>) => void]> = [
    ['customerId', (b) => (b.customerId = '   ')],
    ['customerId', (b) => (b.customerId = ' bob ')],
    ['customerId', (b) => (b.customerId = 'c\u0000')],
    ['subscriber.firstName', (b) => (b.subscriber.firstName = 'Ja\nne')],
    ['subscriber.lastName', (b) => (b.subscriber.lastName = 'Doe\u202e')],
    ['deliveryAddress.line1', (b) => (b.deliveryAddress.line1 = '1 Main \ud800St')],
    ['deliveryAddress.city', (b) => (b.deliveryAddress.city = 'Spring\u2028field')],
    ['items[0].offerId', (b) => (b.items[0].offerId = 'daily\u0007')],
    ['subscriber.lastName', (b) => (b.subscriber.lastName = 'Doe\u0085')], // C1 (next line)
    ['subscriber.firstName', (b) => (b.subscriber.firstName = 'Jane\u007f')], // DEL
    ['subscriber.lastName', (b) => (b.subscriber.lastName = '\u2066Doe\u2069')], // an isolate
    ['deliveryAddress.line2', (b) => ((b.deliveryAddress as Record<string, string>).line2 = 'Apt \udc00')], // a lone low surrogate
    ['deliveryAddress.unit', (b) => ((b.deliveryAddress as Record<string, string>).unit = '4\u0000B')],
    ['deliveryAddress.postalCode', (b) => (b.deliveryAddress.postalCode = '123\u202e45')],
  ];
  for (const [path, patch] of cases) {
    const body = valid();
    patch(body);
    assert.deepEqual(issuesOf(body), [path], path);
  }
  // Letters of any script, emoji and combining marks are text like any other.
  const body = valid();
  body.subscriber.lastName = 'Łódź-Ñúñez 山田 é 🎉';
  body.deliveryAddress.city = 'תל אביב';
  body.deliveryAddress.line1 = '1 Main\tSt';
  assert.equal(parsePurchase(body).subscriber.lastName, 'Łódź-Ñúñez 山田 é 🎉');
});

test("zod's own errors read plainly: required, the type expected, the options, the bounds", () => {
  const messages = (body: unknown) => {
    try {
      parsePurchase(body);
    } catch (error) {
      assert.ok(error instanceof Refusal);
      return Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
    }
    assert.fail('expected a refusal');
  };
  const { customerId: _customerId, ...noCustomer } = valid();
  assert.deepEqual(messages({ ...noCustomer, subscriber: [], payment: { gateway: 'stripe', token: 'tok_visa' }, items: [] }), {
    customerId: 'is required',
    subscriber: 'must be an object',
    'payment.gateway': 'must be one of "payway", "braintree"',
    items: 'must hold at least one item',
  });
  assert.deepEqual(messages({ ...valid(), sessionId: '' }), { sessionId: 'is required' });
  // Bounds the schemas leave to zod read like the ones they word themselves.
  const bounds = z.strictObject({ code: z.string().length(2), n: z.number().positive(), tags: z.array(z.string()).max(1) });
  const issues = bounds.safeParse({ code: 'USA', n: 0, tags: ['a', 'b'] }).error!.issues.map((i) => i.message);
  assert.deepEqual(issues, ['must be exactly 2 characters', 'must be more than 0', 'must hold at most 1 item']);
  assert.deepEqual(messages({ ...valid(), items: [{ offerId: 'daily-digital', kind: 7 }] }), { 'items[0].kind': 'must be one of "subscription", "asset", "bundle"' });
});
