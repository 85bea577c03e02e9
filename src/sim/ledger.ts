// The ledger each simulated third party keeps of its effects by idempotency key (SPEC §7, API.md
// "Admin"): crash tests read it to prove that nothing was done twice.
import type { GatewayName, KeyValueStore } from '../domain/index.ts';

/** The simulated systems that keep a ledger, as API.md names them. */
export type SystemName = GatewayName | 'circulation' | 'registration' | 'preferences' | 'mail';

/** The effects the simulators perform, as the ledger names them (API.md, the ledger table). */
export type Operation =
  | 'authorize'
  | 'capture'
  | 'update-transaction'
  | 'void'
  | 'refund'
  | 'create-occupant'
  | 'add-address'
  | 'add-subscription'
  | 'record-payment'
  | 'stop-subscription'
  | 'link-owner'
  | 'subscribe'
  | 'send';

/** One effect a simulated third party performed, as `GET /v1/sim/ledger` shows it. */
export interface LedgerEntry {
  system: SystemName;
  operation: Operation;
  itemId: string;
  idempotencyKey: string;
  /** Every call that arrived with this key: the one that performed, the replays, counted refusals. */
  calls: number;
  /** ISO 8601, UTC. */
  performedAt: string;
  /** Cents, for the effects that move or record money. */
  amount?: number;
}

/** A ledger entry as stored: with the result a replay of its key answers. */
export interface LedgerRecord extends LedgerEntry {
  result: unknown;
}

/** The key of the ledger record of an idempotency key. */
export function ledgerKey(idempotencyKey: string): string {
  return `ledger/${idempotencyKey}`;
}

/** The key of the index entry that finds an item's ledger records without reading them all. */
export function ledgerItemKey(itemId: string, idempotencyKey: string): string {
  return `ledger-item/${itemId}/${idempotencyKey}`;
}

/** The ledger entries of one system's store, all of them or one item's, in key order. */
export function readLedger(store: KeyValueStore, filter: { itemId?: string } = {}): LedgerEntry[] {
  const records =
    filter.itemId === undefined
      ? store.range<LedgerRecord>('ledger/').map(([, record]) => record)
      : store
          .range<1>(`ledger-item/${filter.itemId}/`)
          .map(([key]) => store.get<LedgerRecord>(ledgerKey(key.slice(`ledger-item/${filter.itemId}/`.length))))
          // An item id that is a prefix of another with a slash could list the other's keys.
          .filter((record): record is LedgerRecord => record !== undefined && record.itemId === filter.itemId);
  return records.map(({ result: _result, ...entry }) => entry);
}
