// Errors on the wire (RFC 9457, STYLE.md "Errors"): one table of problem codes and their statuses,
// one exception to throw from a handler, one error handler that turns anything thrown into an
// `application/problem+json` body. No stack trace, and no message of an unexpected error, ever
// reaches a client.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Refusal, type FieldIssue, type RefusalCode } from '../domain/index.ts';

/** Every problem this API answers with: its HTTP status and a short title. */
export const PROBLEMS = {
  'bad-request': { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Credential missing or unknown' },
  'payment-declined': { status: 402, title: 'Payment declined' },
  forbidden: { status: 403, title: 'Not allowed for this credential' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed on this path' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  'idempotency-in-flight': { status: 409, title: 'The first request with this Idempotency-Key is still running' },
  'payload-too-large': { status: 413, title: 'Body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  invalid: { status: 422, title: 'Invalid request' },
  'idempotency-mismatch': { status: 422, title: 'Idempotency-Key reused with another body' },
  internal: { status: 500, title: 'Internal error' },
  'provisioning-failed': { status: 502, title: 'A provisioning step failed' },
  unavailable: { status: 503, title: 'Service unavailable; try again later' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

/** A problem code of the table above. */
export type ProblemCode = keyof typeof PROBLEMS;

/** The problem each engine refusal is answered with. */
const REFUSALS: Record<RefusalCode, ProblemCode> = {
  invalid: 'invalid',
  'not-found': 'not-found',
  conflict: 'conflict',
  declined: 'payment-declined',
  unavailable: 'unavailable',
  failed: 'provisioning-failed',
  'idempotency-in-flight': 'idempotency-in-flight',
  'idempotency-mismatch': 'idempotency-mismatch',
};

/** The one exception handlers throw for a problem answer. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extras: { errors?: readonly FieldIssue[]; headers?: Record<string, string>; [key: string]: unknown } = {},
  ) {
    super(detail);
  }
}

/** The problem+json body of a code, with any extra members (`errors`, `orderId`...). */
export function problemBody(code: ProblemCode, detail: string, instance: string, fields: Record<string, unknown> = {}) {
  const { status, title } = PROBLEMS[code];
  return { type: `/problems/${code}`, title, status, detail, instance, ...fields };
}

/** The problem+json response of a code. */
export function problem(c: Context, code: ProblemCode, detail: string, extras: ProblemError['extras'] = {}): Response {
  const { headers, ...fields } = extras;
  return new Response(JSON.stringify(problemBody(code, detail, c.req.path, fields)), {
    status: PROBLEMS[code].status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/** The status a thrown error is answered with (what `onError` sends for it). */
export function httpStatusOf(error: unknown): number {
  if (error instanceof ProblemError) return PROBLEMS[error.code].status;
  if (error instanceof Refusal) return PROBLEMS[REFUSALS[error.code]].status;
  if (error instanceof HTTPException) return error.status;
  return PROBLEMS.internal.status;
}

/** Turns an engine refusal into the problem it is answered with. */
function fromRefusal(refusal: Refusal): ProblemError {
  const extras: ProblemError['extras'] = { ...refusal.details };
  if (refusal.issues.length) extras.errors = refusal.issues;
  if (refusal.code === 'unavailable') extras.headers = { 'retry-after': '5' };
  return new ProblemError(REFUSALS[refusal.code], refusal.message, extras);
}

/** The app's error handler: every error becomes a problem; unexpected ones are logged, not shown. */
export function onError(log: (error: Error, c: Context) => void) {
  return (error: Error, c: Context): Response => {
    if (error instanceof ProblemError) return problem(c, error.code, error.detail, error.extras);
    if (error instanceof Refusal) {
      const p = fromRefusal(error);
      return problem(c, p.code, p.detail, p.extras);
    }
    if (error instanceof HTTPException) {
      // Hono's own: a body that is not JSON (400), too large (413), a wrong content type (415).
      const code = ({ 400: 'bad-request', 413: 'payload-too-large', 415: 'unsupported-media-type', 401: 'unauthorized' } as const)[
        error.status as 400 | 413 | 415 | 401
      ];
      if (code) return problem(c, code, error.message || PROBLEMS[code].title);
    }
    log(error, c);
    return problem(c, 'internal', 'Something went wrong on our side; the error is logged.');
  };
}
