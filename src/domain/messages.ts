// Plain wording for the field errors zod writes itself (SPEC §9: a clear error naming the field):
// "is required" rather than "Invalid input: expected string, received undefined". A message a
// schema gives its own check still wins over these.
import { z } from 'zod';

const UNITS: Record<string, [one: string, many: string]> = { string: ['character', 'characters'], array: ['item', 'items'], set: ['item', 'items'] };

function amount(origin: string, count: number | bigint): string {
  const units = UNITS[origin];
  return units ? `${count} ${count === 1 ? units[0] : units[1]}` : String(count);
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
        return `must ${issue.origin === 'string' || issue.origin === 'array' ? 'have' : 'be'} at least ${amount(issue.origin, issue.minimum)}`;
      case 'too_big':
        return `must ${issue.origin === 'string' || issue.origin === 'array' ? 'have' : 'be'} at most ${amount(issue.origin, issue.maximum)}`;
      default:
        return undefined;
    }
  },
});
