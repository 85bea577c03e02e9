// ULIDs for orders, items and events, made cheaply: the time part from the clock, the random part
// drawn once and then incremented (the ULID spec's monotonic mode), so one id costs no call to
// the system's random source and ids of one process sort in the order they were made.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const HALF = 2 ** 40;

function encode(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/** A generator of monotonic ULIDs: `next(ms)` never returns an id lower than the last one. */
export function ulidFactory(): (ms: number) => string {
  const seed = randomBytes(10);
  let high = seed.readUIntBE(0, 5);
  let low = seed.readUIntBE(5, 5);
  let lastMs = -1;
  let time = '';
  return (ms) => {
    if (ms > lastMs) {
      lastMs = ms;
      time = encode(ms, 10);
    }
    low += 1;
    if (low >= HALF) {
      low = 0;
      high = (high + 1) % HALF;
    }
    return time + encode(high, 8) + encode(low, 8);
  };
}
