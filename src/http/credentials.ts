// Who is calling (SPEC §9, API.md "Start-up and credentials"): one middleware per route group
// applies that group's credential once. No credential, or one nobody holds: 401; a known
// credential of another kind, or an operator without the role: 403.
import type { Context, MiddlewareHandler } from 'hono';
import type { Access, Credential } from '../engine/index.ts';
import type { ConsumerApp, Operator, OperatorRole, SessionRecord } from '../domain/index.ts';
import { ProblemError } from './problem.ts';

/** What every handler of the app can read from its context. */
export interface AppEnv {
  Variables: {
    credential: Credential;
    requestId: string;
  };
}

/** What a route group asks of its callers. */
export type Requirement = { kind: 'app' } | { kind: 'session'; allowQueryToken?: boolean } | { kind: 'operator'; role: OperatorRole };

const KIND_NAMES: Record<Credential['kind'], string> = {
  app: 'a consumer-app key',
  operator: 'an operator token',
  session: 'a session token',
};

/** The bearer token of a request; the `token` query parameter too where EventSource needs it. */
function bearerToken(c: Context, allowQuery: boolean): string | undefined {
  const header = c.req.header('authorization');
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match) return match[1];
  return allowQuery ? c.req.query('token') || undefined : undefined;
}

/** The middleware that lets only callers meeting `requirement` through. */
export function requireCredential(access: Access, requirement: Requirement): MiddlewareHandler<AppEnv> {
  const wanted = requirement.kind === 'operator' ? `an operator token with role ${requirement.role}` : KIND_NAMES[requirement.kind];
  return async (c, next) => {
    const token = bearerToken(c, requirement.kind === 'session' && requirement.allowQueryToken === true);
    if (token === undefined) {
      throw new ProblemError('unauthorized', `this endpoint needs ${wanted} in Authorization: Bearer <token>`, {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const credential = access.identify(token);
    if (!credential) throw new ProblemError('unauthorized', 'the credential is not known (or its session has ended)', { headers: { 'www-authenticate': 'Bearer' } });
    if (credential.kind !== requirement.kind) {
      throw new ProblemError('forbidden', `this endpoint needs ${wanted}, not ${KIND_NAMES[credential.kind]}`);
    }
    if (requirement.kind === 'operator' && credential.kind === 'operator' && !hasRole(credential.operator, requirement.role)) {
      throw new ProblemError('forbidden', `this endpoint needs role ${requirement.role}; operator ${credential.operator.name} has ${credential.operator.role}`);
    }
    c.set('credential', credential);
    await next();
  };
}

/** An admin may do everything a CSR may. */
function hasRole(operator: Operator, role: OperatorRole): boolean {
  return operator.role === 'admin' || operator.role === role;
}

/** The calling consumer app (behind `requireCredential(..., { kind: 'app' })`). */
export function callingApp(c: Context<AppEnv>): ConsumerApp {
  const credential = c.get('credential');
  if (credential.kind !== 'app') throw new Error('route mounted without the app credential');
  return credential.app;
}

/** The calling operator (behind an operator requirement). */
export function callingOperator(c: Context<AppEnv>): Operator {
  const credential = c.get('credential');
  if (credential.kind !== 'operator') throw new Error('route mounted without the operator credential');
  return credential.operator;
}

/** The calling shopper's session (behind the session requirement). */
export function callingSession(c: Context<AppEnv>): SessionRecord {
  const credential = c.get('credential');
  if (credential.kind !== 'session') throw new Error('route mounted without the session credential');
  return credential.session;
}
