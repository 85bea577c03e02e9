// The purchase input model and its validation rules and limits (SPEC §9, API.md "Consumer app").
import { iso31661 } from 'iso-3166';
import { z } from 'zod';
import { Refusal, type FieldIssue } from './errors.ts';
import { identifier, plainText } from './text.ts';
// Zod's own error messages worded plainly, for every schema of the product (a global setting).
import './messages.ts';

const name = plainText().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const line = plainText().max(200, 'must be at most 200 characters');

/** The officially assigned ISO 3166-1 alpha-2 codes (249, from the `iso-3166` package). */
const COUNTRY_CODES: ReadonlySet<string> = new Set(iso31661.map((country) => country.alpha2));

/** A card number: 13 to 19 digits, spaces or dashes allowed between them. */
const CARD_NUMBER = /^\d(?:[ -]?\d){12,18}$/;

/** A postal address of a purchase. */
export const addressSchema = z.strictObject({
  line1: line.trim().min(1, 'is required'),
  line2: line.optional(),
  unit: plainText().max(50, 'must be at most 50 characters').optional(),
  city: line.trim().min(1, 'is required'),
  postalCode: plainText().trim().min(1, 'is required').max(20, 'must be at most 20 characters'),
  country: z.string().refine((code) => COUNTRY_CODES.has(code), 'must be an assigned ISO 3166-1 alpha-2 code such as US'),
});

/** The subscriber of a purchase: the names and email the new start is made for. */
export const subscriberSchema = z.strictObject({
  firstName: name,
  lastName: name,
  email: z.email('must be a valid email address').max(254, 'must be at most 254 characters'),
});

const token = z
  .string()
  .refine((value) => !CARD_NUMBER.test(value.trim()), 'a card number is not accepted: send the gateway token (tok_…) instead')
  // SPEC §7: any `tok_…` is a token (printable, no spaces, at most 200 characters after tok_).
  .refine((value) => CARD_NUMBER.test(value.trim()) || /^tok_[\x21-\x7e]{1,200}$/.test(value), 'must be a payment token such as tok_visa');

/** Payment by a gateway token; card data is never accepted. */
export const paymentSchema = z.strictObject({
  gateway: z.enum(['payway', 'braintree']),
  token,
});

/** The kinds of order item; all run the same chart. */
export const ITEM_KINDS = ['subscription', 'asset', 'bundle'] as const;

/** One order item of a purchase. */
export const purchaseItemSchema = z.strictObject({
  offerId: plainText().min(1, 'is required').max(100, 'must be at most 100 characters'),
  name: name.optional(),
  kind: z.enum(ITEM_KINDS).default('subscription'),
});

/** The body of `POST /v1/purchases`. */
export const purchaseSchema = z.strictObject({
  sessionId: plainText().min(1, 'is required').max(100, 'must be at most 100 characters').optional(),
  customerId: identifier(),
  subscriber: subscriberSchema,
  deliveryAddress: addressSchema,
  billingAddress: addressSchema.optional(),
  payment: paymentSchema.optional(),
  items: z.array(purchaseItemSchema).min(1, 'must hold at least one item').max(20, 'must hold at most 20 items'),
});

/** A validated purchase. */
export type PurchaseInput = z.infer<typeof purchaseSchema>;

/** The body of an Event Viewer update: only the fields a CSR may change (SPEC §6). */
export const startUpdateSchema = z.strictObject({
  subscriber: z
    .strictObject({ firstName: name.optional(), lastName: name.optional(), email: subscriberSchema.shape.email.optional() })
    .optional(),
  deliveryAddress: addressSchema.omit({ country: true }).partial().strict().optional(),
  billingAddress: addressSchema.omit({ country: true }).partial().strict().optional(),
});

/** A validated Event Viewer update. */
export type StartUpdate = z.infer<typeof startUpdateSchema>;

/** Formats a path of keys and indexes as `items[0].offerId`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** Turns zod issues into field issues, naming unknown fields by their full path too. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: formatPath([...issue.path, key]), message: 'is not a known field' });
    } else {
      issues.push({ path: formatPath(issue.path) || '(body)', message: issue.message });
    }
  }
  return issues;
}

/** Parses a value with a schema, or throws a Refusal `invalid` naming every bad field. */
export function parseOrRefuse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error);
  throw new Refusal('invalid', `${what} is invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
}

/** Validates a purchase body (shape and limits; offers and sessions are checked by the engine). */
export function parsePurchase(body: unknown): PurchaseInput {
  const purchase = parseOrRefuse(purchaseSchema, body, 'the purchase');
  return purchase;
}
