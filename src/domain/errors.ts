// Errors of the domain (STYLE.md "Errors"): a third party's transient and permanent errors, and
// the engine's refusals, each with a code the HTTP layer maps to one status.

/** Why a step failed for good, as the CSR sees it. */
export type ErrorCategory = 'bad-user-data' | 'bad-offer-setup' | 'third-party';

/** A third party's "try later": timeouts, 5xx, refused connections. Retried with backoff. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** A third party rejected the data: never retried; the step fails at once. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  /** Why, for the CSR: the data, the offer setup, or the third party. */
  readonly category: ErrorCategory;
  /** A stable machine-readable reason, such as `card-declined` or `undeliverable`. */
  readonly reason: string;
  /** The field of the purchase the refusal is about, by its full path, when there is one. */
  readonly field?: string;
  constructor(category: ErrorCategory, reason: string, message: string, field?: string) {
    super(message);
    this.category = category;
    this.reason = reason;
    if (field) this.field = field;
  }
}

/** Turns anything thrown into an Error, so callers can read `message` safely. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}

/** One bad field of a request, named by its full path (`subscriber.email`, `items[0].offerId`). */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** The reasons the engine refuses a request; the HTTP layer maps each to one status. */
export type RefusalCode =
  | 'invalid' // 422: the body or a field is wrong
  | 'not-found' // 404
  | 'conflict' // 409: the state does not allow it, or another actor won a race
  | 'declined' // 402: the card was declined
  | 'unavailable' // 503: a third party kept failing transiently past the in-request budget
  | 'failed' // 502: a third party refused for good what was asked (a shopper's cancel, a CSR's address edit)
  | 'idempotency-in-flight' // 409: the first request with this key is still running
  | 'idempotency-mismatch'; // 422: the key was used with another body

/** A refusal by the engine, with a code, a message for people, and details for the client. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  readonly code: RefusalCode;
  readonly issues: readonly FieldIssue[];
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: RefusalCode, message: string, options: { issues?: FieldIssue[]; details?: Record<string, unknown> } = {}) {
    super(message);
    this.code = code;
    this.issues = options.issues ?? [];
    this.details = options.details ?? {};
  }
}
