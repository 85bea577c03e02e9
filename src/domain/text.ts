// Text that people and other systems read back (SPEC §9): names, ids and address lines are stored,
// shown to customer service and sent to third parties, so characters that cannot be shown or that
// disguise what is shown are refused at the door.
import { z } from 'zod';

/**
 * C0 and C1 control characters but the tab (text pasted from a spreadsheet holds tabs; they read
 * as spaces), line and paragraph separators, and bidirectional overrides and isolates.
 */
const INVISIBLE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Half of a surrogate pair without its other half: not a character, and not valid UTF-8 once stored. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when the text holds no control character (tabs aside), bidirectional override or unpaired surrogate. */
export function isPlainText(value: string): boolean {
  return !INVISIBLE.test(value) && !LONE_SURROGATE.test(value);
}

/** A string of plain text (see `isPlainText`). */
export function plainText() {
  return z.string().refine(isPlainText, 'must not contain control characters, bidirectional overrides or unpaired surrogates');
}

/** An id given from outside (an app, an operator, a customer): 1 to 100 characters of plain text, no space at either end. */
export function identifier() {
  return plainText()
    .min(1, 'is required')
    .max(100, 'must be at most 100 characters')
    .regex(/^\S(.*\S)?$/s, 'must not be blank or begin or end with a space');
}
