// The simulated mail service (SPEC §2.1, §7): sends the confirmation mail carrying the permanent
// account number into an outbox the admin API reads, once per idempotency key.
import type { Mailer } from '../domain/index.ts';
import { createEffectRunner, perform, type SimulatorDeps } from './effectRunner.ts';
import { nextNumber } from './nextNumber.ts';

/** One mail in the outbox, as `GET /v1/sim/outbox` shows it. */
export interface OutboxEntry {
  to: string;
  subject: string;
  itemId: string;
  accountNumber: string;
  /** ISO 8601, UTC. */
  sentAt: string;
}

/** The mailer connector with its outbox. */
export interface SimulatedMailer extends Mailer {
  /** The mails sent, oldest first; `email` keeps those to that address (any case). */
  outbox(filter?: { email?: string }): OutboxEntry[];
}

const padded = (value: number) => String(value).padStart(12, '0');
const recipientKey = (email: string) => `outbox-to/${email.trim().toLowerCase()}/`;

/** Builds the simulated mail service over its own store. */
export function createMailer(deps: SimulatorDeps): SimulatedMailer {
  const runner = createEffectRunner({ system: 'mail', store: deps.store, conditions: deps.conditions });
  const store = runner.store;
  return {
    send: (request, context) =>
      runner.effect('send', context, (call) => {
        const number = nextNumber(store, 'message');
        // Zero-padded, so the outbox reads in the order the mails were sent.
        const messageId = `msg-${padded(number.value)}`;
        const mail: OutboxEntry = { to: request.to, subject: request.subject, itemId: context.itemId, accountNumber: request.accountNumber, sentAt: call.at };
        return perform({ messageId }, [number.entry, [`outbox/${messageId}`, mail], [recipientKey(request.to) + messageId, 1]]);
      }),

    outbox(filter = {}) {
      if (filter.email === undefined) return store.range<OutboxEntry>('outbox/').map(([, mail]) => mail);
      const wanted = filter.email.trim().toLowerCase();
      return store
        .range<1>(recipientKey(filter.email))
        .map(([key]) => store.get<OutboxEntry>(`outbox/${key.slice(key.lastIndexOf('/') + 1)}`))
        .filter((mail): mail is OutboxEntry => mail !== undefined && mail.to.trim().toLowerCase() === wanted);
    },
  };
}
