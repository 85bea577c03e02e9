// The new-start steps (SPEC §2.1): codes, names and the synchronous flag are part of the contract.
import { BACKGROUND_RETRY, type RetryPolicy } from './retry.ts';

/** The name of one new-start step, as the Event Viewer shows it. */
export type StepName =
  | 'ADDRSTD'
  | 'AUTHCC'
  | 'STARTSTD'
  | 'FINDADDRESSOCCUPANT'
  | 'CREATESUBSCRIBER'
  | 'ADDADDRESSOCCUPANT'
  | 'ADDSUBSCRIPTION'
  | 'CCFUNDCAPTURE'
  | 'PAYMENTNEWSTART'
  | 'UPDATEPAYMENTTRAN'
  | 'LINKOWNER'
  | 'CHGEMAILPREF';

/** One row of the step table. */
export interface StepDefinition {
  /** Event type code (a JSON number on the wire). */
  readonly code: number;
  readonly name: StepName;
  /** What the step does, for people. */
  readonly title: string;
  /** True when the step runs inside the purchase request in split mode. */
  readonly sync: boolean;
  /** True for the payment steps a complimentary start skips. */
  readonly payment: boolean;
  /**
   * Retry policy for transient errors. Synchronous steps retry inside the request's budget
   * instead (SPEC §3), so theirs is only the backoff shape.
   */
  readonly retry: RetryPolicy;
}

const step = (code: number, name: StepName, title: string, sync: boolean, payment = false): StepDefinition => ({
  code,
  name,
  title,
  sync,
  payment,
  retry: BACKGROUND_RETRY,
});

/** Every step, in the order the new-start chart runs them. */
export const STEPS: readonly StepDefinition[] = Object.freeze([
  step(62, 'ADDRSTD', 'Address standardization', true),
  step(35, 'AUTHCC', 'Card authorization, before STARTSTD', true, true),
  step(3, 'STARTSTD', 'Parent new-start event', true),
  step(140, 'FINDADDRESSOCCUPANT', 'Real-time occupant lookup in the circulation system', false),
  step(1103, 'CREATESUBSCRIBER', 'Occupant creation, only when the lookup found none', false),
  step(141, 'ADDADDRESSOCCUPANT', 'Address creation in the circulation system', false),
  step(1111, 'ADDSUBSCRIPTION', 'Subscription creation; returns the permanent account number', false),
  step(56, 'CCFUNDCAPTURE', 'Capture the authorized funds', false, true),
  step(57, 'PAYMENTNEWSTART', 'Inform the payment to the circulation system', false, true),
  step(58, 'UPDATEPAYMENTTRAN', 'Store circulation info on the payment transaction', false, true),
  step(1033, 'LINKOWNER', "Link the new start to the shopper's registration", false),
  step(954, 'CHGEMAILPREF', 'Subscribe the email to the default preferences', false),
]);

const byName = new Map(STEPS.map((s) => [s.name, s]));
const byCode = new Map(STEPS.map((s) => [s.code, s]));

/** The step of a name; throws for a name that is not a step. */
export function stepByName(name: StepName): StepDefinition {
  const found = byName.get(name);
  if (!found) throw new Error(`unknown step name ${name}`);
  return found;
}

/** The step of a type code, or undefined when no step has that code. */
export function stepByCode(code: number): StepDefinition | undefined {
  return byCode.get(code);
}

/** True when the string names a step. */
export function isStepName(name: string): name is StepName {
  return byName.has(name as StepName);
}

/** The steps of the synchronous part that call a third party, before STARTSTD exists (ADDRSTD, AUTHCC). */
const BEFORE_START = new Set<string>(STEPS.filter((s) => s.sync && s.name !== 'STARTSTD').map((s) => s.name));

/**
 * True for a step that runs before STARTSTD exists (SPEC §2: recorded with STARTSTD as its
 * children): its retries are bounded by the in-request budget, and its event is written only at
 * the commit. STARTSTD itself is recorded by the engine, not called.
 */
export function runsBeforeStart(call: string): boolean {
  return BEFORE_START.has(call);
}

/** The type code of STARTSTD, the parent event of every new start. */
export const STARTSTD_CODE = 3;
