// Plain wording for the field errors zod writes itself (SPEC §9: a clear error naming the field):
// "is required" rather than "Invalid input: expected string, received undefined". A message a
// schema gives its own check still wins over these.
import { z } from 'zod';

const UNITS: Record<string, [one: string, many: string]> = { string: ['character', 'characters'], array: ['item', 'items'], set: ['item', 'items'] };

function amount(origin: string, count: number | bigint): string {
  const units = UNITS[origin];
  return units ? `${count} ${count === 1 ? units[0] : units[1]}` : String(count);
}

/** The wording of a bound, as the schemas word theirs: "must be at most 100 characters", "must hold at least 1 item". */
function bound(origin: string, limit: number | bigint, side: 'min' | 'max', inclusive?: boolean, exact?: boolean): string {
  const verb = origin === 'array' || origin === 'set' ? 'hold' : 'be';
  if (exact) return `must ${verb} exactly ${amount(origin, limit)}`;
  if (inclusive === false) return `must ${verb} ${side === 'min' ? 'more' : 'less'} than ${amount(origin, limit)}`;
  return `must ${verb} at ${side === 'min' ? 'least' : 'most'} ${amount(origin, limit)}`;
}

function article(expected: string): string {
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

z.config({
  customError(issue) {
    switch (issue.code) {
      case 'invalid_type':
        return issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}`;
      case 'invalid_value':
        return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
      case 'too_small':
        return bound(issue.origin, issue.minimum, 'min', issue.inclusive, issue.exact);
      case 'too_big':
        return bound(issue.origin, issue.maximum, 'max', issue.inclusive, issue.exact);
      default:
        return undefined;
    }
  },
});
