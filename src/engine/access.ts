// Who may call (SPEC §9, API.md "Start-up and credentials"): consumer-app keys, operator tokens
// with a name and a role, and storefront sessions. Each secret is shown once, when it is made;
// the store keeps only its SHA-256, so a copy of the data directory opens nothing.
import { createHash, randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import {
  isoTime,
  Refusal,
  type ConsumerApp,
  type LookupStrategy,
  type Operator,
  type OperatorRole,
  type SessionRecord,
} from '../domain/index.ts';
import type { EngineStore } from '../store/index.ts';

/** Whoever a bearer token belongs to. */
export type Credential =
  | { kind: 'app'; app: ConsumerApp }
  | { kind: 'operator'; operator: Operator }
  | { kind: 'session'; session: SessionRecord };

/** A new consumer app as the admin describes it. */
export interface NewApp {
  id: string;
  name: string;
  /** Default false. */
  processSync?: boolean;
  /** Default `email-only`. */
  lookupStrategy?: LookupStrategy;
}

/** Credentials: making them, and knowing whose a token is. */
export interface Access {
  /** Creates an app; the key is returned here and never again. Conflict when the id is taken. */
  createApp(input: NewApp): Promise<{ app: ConsumerApp; apiKey: string }>;
  /** Changes an app's settings; not found when it does not exist. */
  updateApp(appId: string, changes: Partial<Pick<ConsumerApp, 'processSync' | 'lookupStrategy'>>): Promise<ConsumerApp>;
  /** Creates an operator; the token is returned here and never again. Conflict when the name is taken. */
  createOperator(name: string, role: OperatorRole): Promise<{ operator: Operator; token: string }>;
  /**
   * Makes `token` (or a new random one, returned) the token of the operator `admin`, role admin;
   * returns undefined when `token` was given.
   */
  setAdminToken(token: string | undefined): Promise<string | undefined>;
  /** Opens a storefront session of `customerId` for an app. */
  openSession(appId: string, customerId: string): Promise<{ sessionId: string; sessionToken: string }>;
  /** Ends an app's session; false when the app has no such session. */
  endSession(appId: string, sessionId: string): Promise<boolean>;
  /** True when `sessionId` is a live session of `customerId` opened by the app. */
  isLiveSession(appId: string, sessionId: string, customerId: string): boolean;
  /** Whose `token` is, or undefined for a token nobody holds (a logged-out session's included). */
  identify(token: string): Credential | undefined;
}

/** SHA-256 of a secret, base64url: what the store keeps instead of the secret. */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** A new secret; the prefix tells people (and log scrubbers) which kind it is. */
function newSecret(prefix: 'app' | 'op' | 'ses'): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/** Builds the credential verbs over the engine's store. */
export function createAccess(store: EngineStore, clock: () => number = Date.now): Access {
  const sessionIds = monotonicFactory();
  const now = () => isoTime(clock());

  async function putOperator(name: string, role: OperatorRole, token: string): Promise<Operator> {
    const operator: Operator = { name, role, tokenHash: hashSecret(token), createdAt: now() };
    await store.putOperator(operator);
    return operator;
  }

  return {
    async createApp({ id, name, processSync = false, lookupStrategy = 'email-only' }) {
      if (store.getApp(id)) throw new Refusal('conflict', `consumer app ${id} already exists`);
      const app: ConsumerApp = { id, name, processSync, lookupStrategy };
      const apiKey = newSecret('app');
      await store.putApp(app, hashSecret(apiKey));
      return { app, apiKey };
    },
    async updateApp(appId, changes) {
      const app = store.getApp(appId);
      if (!app) throw new Refusal('not-found', `consumer app ${appId} does not exist`);
      const updated: ConsumerApp = { ...app, ...changes };
      await store.putApp(updated);
      return updated;
    },
    async createOperator(name, role) {
      // Checked and written in one synchronous stretch (the store's cache sees the write at once).
      if (store.getOperator(name)) {
        throw new Refusal('conflict', `an operator named ${name} already exists`);
      }
      const token = newSecret('op');
      return { operator: await putOperator(name, role, token), token };
    },
    async setAdminToken(token) {
      const chosen = token ?? newSecret('op');
      await putOperator('admin', 'admin', chosen);
      return token === undefined ? chosen : undefined;
    },
    async openSession(appId, customerId) {
      const sessionToken = newSecret('ses');
      const session: SessionRecord = {
        sessionId: sessionIds(clock()),
        appId,
        customerId,
        tokenHash: hashSecret(sessionToken),
        fromSeq: store.lastNotificationSeq(),
        createdAt: now(),
      };
      await store.putSession(session);
      return { sessionId: session.sessionId, sessionToken };
    },
    async endSession(appId, sessionId) {
      const session = store.getSession(sessionId);
      if (!session || session.appId !== appId) return false;
      await store.deleteSession(sessionId);
      return true;
    },
    isLiveSession(appId, sessionId, customerId) {
      const session = store.getSession(sessionId);
      return session !== undefined && session.appId === appId && session.customerId === customerId;
    },
    identify(token) {
      const hash = hashSecret(token);
      const appId = store.findAppByKeyHash(hash);
      const app = appId === undefined ? undefined : store.getApp(appId);
      if (app) return { kind: 'app', app };
      const operator = store.findOperatorByTokenHash(hash);
      if (operator) return { kind: 'operator', operator };
      const session = store.findSessionByTokenHash(hash);
      if (session) return { kind: 'session', session };
      return undefined;
    },
  };
}
