// The Event Viewer's list (SPEC §6): by type and status from the index, newest first, with the
// date range mapped onto event ids (ULIDs sort by creation time) and the other filters applied
// to the rows.
import { encodeTime } from 'ulid';
import { Refusal, STARTSTD_CODE } from '../domain/index.ts';
import type { Tables } from './tables.ts';
import { accountNumberOf, dataOf, parentOf, rowOf, type EventRow as Row } from './eventRows.ts';
import type { EventPage, EventQuery } from './types.ts';

const LOWEST = '0'.repeat(16);
const HIGHEST = 'Z'.repeat(16);

/** The latest time a ULID holds (in the year 10889). */
const MAX_ULID_TIME = 2 ** 48 - 1;

/** An ISO time as a ULID's time: a bound before 1970 holds no event created since, and is taken as 1970. */
function ulidTime(iso: string): number {
  return Math.min(Math.max(Date.parse(iso), 0), MAX_ULID_TIME);
}

/** The page of events a query asks for. */
export function listEvents(t: Tables, query: EventQuery): EventPage {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const upper = query.to ? encodeTime(ulidTime(query.to), 10) + HIGHEST : HIGHEST + HIGHEST;
  const lower = query.from ? encodeTime(ulidTime(query.from), 10) + LOWEST : '';
  const start = after !== undefined && after < upper ? after : upper;
  const startOfAccount = query.accountNumber ? (t.index.get(['a', query.accountNumber]) as string | undefined) : undefined;
  const needle = query.q?.toLowerCase();

  const matches = (event: Row) =>
    event.status === query.status &&
    (!query.appId || event.appId === query.appId) &&
    (!needle || (event.errorMessage ?? '').toLowerCase().includes(needle)) &&
    (!query.accountNumber ||
      event.accountNumber === query.accountNumber ||
      (startOfAccount !== undefined && (event.eventId === startOfAccount || event.parentEventId === startOfAccount)));

  const items: Row[] = [];
  if (query.accountNumber && query.typeCode === STARTSTD_CODE) {
    const event = startOfAccount ? readEvent(t, startOfAccount)?.row : undefined;
    if (event && matches(event) && event.eventId >= lower && event.eventId <= upper && (after === undefined || event.eventId < after)) items.push(event);
    return { items, nextCursor: null };
  }
  const range = t.index.getRange({
    start: ['s', query.typeCode, query.status, start],
    end: ['s', query.typeCode, query.status, lower],
    reverse: true,
  });
  for (const { key } of range) {
    const eventId = (key as [string, number, number, string])[3];
    if (eventId === after) continue;
    const event = readEvent(t, eventId)?.row;
    if (!event || !matches(event)) continue;
    if (items.length === limit) return { items, nextCursor: encodeCursor(items[items.length - 1].eventId) };
    items.push(event);
  }
  return { items, nextCursor: null };
}

/** An event's row and data, from its two records. */
export function readEvent(t: Tables, eventId: string): { row: Row; data: unknown } | undefined {
  const facts = t.facts.get(eventId);
  const status = t.events.get(eventId);
  if (!facts || !status) return undefined;
  const parent = parentOf(facts);
  const startStatus = parent === null ? undefined : t.events.get(parent);
  const row = rowOf(eventId, facts, status, startStatus && accountNumberOf(startStatus));
  return { row, data: dataOf(facts) };
}

function encodeCursor(eventId: string): string {
  return Buffer.from(eventId).toString('base64url');
}

const EVENT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function decodeCursor(cursor: string): string {
  const eventId = Buffer.from(cursor, 'base64url').toString();
  // base64url decoding skips characters it does not know: only a cursor this store made round-trips.
  if (!EVENT_ID.test(eventId) || encodeCursor(eventId) !== cursor) {
    const message = 'is not a nextCursor a previous page gave';
    throw new Refusal('invalid', `cursor ${message}`, { issues: [{ path: 'cursor', message }] });
  }
  return eventId;
}
