// The simulated address-standardization service (SPEC §7, ADDRSTD): tidies an address, refuses the
// undeliverable postal code 00000. It changes nothing, so it keeps no ledger, and it is a separate
// service from circulation: the circulation outage does not reach it.
import { PermanentError, type Address, type AddressStandardizer } from '../domain/index.ts';
import { simulateCall, type CallConditions } from './simulateCall.ts';

/** What the address simulator needs. */
export interface AddressStandardizerDeps {
  conditions: CallConditions;
}

/** The postal code no address is delivered to. */
export const UNDELIVERABLE_POSTAL_CODE = '00000';

const tidy = (text: string) => text.trim().replace(/\s+/g, ' ');
/** "NEW  york" → "New York", "winston-salem" → "Winston-Salem". */
const titleCase = (text: string) => tidy(text).toLowerCase().replace(/(^|[\s-])(\p{L})/gu, (_, gap: string, letter: string) => gap + letter.toUpperCase());

/** Builds the simulated address standardizer. */
export function createAddressStandardizer(deps: AddressStandardizerDeps): AddressStandardizer {
  return {
    standardize: (request) =>
      simulateCall(deps.conditions, 'address standardization', () => {
        const { address } = request;
        const { field } = request;
        const postalCode = tidy(address.postalCode).toUpperCase();
        if (postalCode === UNDELIVERABLE_POSTAL_CODE) {
          throw new PermanentError('bad-user-data', 'undeliverable', `${field}.postalCode ${postalCode} is undeliverable: no address is delivered to it`, `${field}.postalCode`);
        }
        const line2 = tidy(address.line2 ?? '');
        const unit = tidy(address.unit ?? '').toUpperCase();
        const standardized: Address = {
          line1: tidy(address.line1),
          ...(line2 === '' ? {} : { line2 }),
          ...(unit === '' ? {} : { unit }),
          city: titleCase(address.city),
          postalCode,
          country: tidy(address.country).toUpperCase(),
        };
        return { address: standardized };
      }),
  };
}
