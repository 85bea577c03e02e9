// ISO 8601 times (UTC, milliseconds) as every record stores them. The hot path formats several per
// transition, and `Date#toISOString` costs about 1 µs each here, so the text up to the second is
// kept for the last second asked and only the milliseconds are appended.

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `new Date(ms).toISOString()`, faster when the same second comes again. */
export function isoTime(at: number): string {
  const ms = Math.trunc(at); // as Date does
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString(); // e.g. 2026-11-23T03:50:12.000Z
    // Years outside 0–9999 are written differently; they are not cached.
    if (iso.length !== 24) return new Date(ms).toISOString();
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
