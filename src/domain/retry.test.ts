import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKGROUND_RETRY, retryDelay } from './retry.ts';
import { STEPS, runsBeforeStart, stepByCode } from './steps.ts';

test('waits between half and all of a doubling delay capped at 5 s', () => {
  assert.equal(retryDelay(BACKGROUND_RETRY, 1, 0), 125);
  assert.equal(retryDelay(BACKGROUND_RETRY, 1, 0.999999), 250);
  assert.equal(retryDelay(BACKGROUND_RETRY, 3, 0), 500);
  assert.equal(retryDelay(BACKGROUND_RETRY, 10, 0), 2_500);
  assert.equal(retryDelay(BACKGROUND_RETRY, 10, 0.999999), 5_000);
});

test('the step table is SPEC §2.1 in order', () => {
  assert.deepEqual(
    STEPS.map((s) => [s.code, s.name, s.sync]),
    [
      [62, 'ADDRSTD', true], [35, 'AUTHCC', true], [3, 'STARTSTD', true], [140, 'FINDADDRESSOCCUPANT', false],
      [1103, 'CREATESUBSCRIBER', false], [141, 'ADDADDRESSOCCUPANT', false], [1111, 'ADDSUBSCRIPTION', false],
      [56, 'CCFUNDCAPTURE', false], [57, 'PAYMENTNEWSTART', false], [58, 'UPDATEPAYMENTTRAN', false],
      [1033, 'LINKOWNER', false], [954, 'CHGEMAILPREF', false],
    ],
  );
  assert.deepEqual(STEPS.filter((s) => s.payment).map((s) => s.name), ['AUTHCC', 'CCFUNDCAPTURE', 'PAYMENTNEWSTART', 'UPDATEPAYMENTTRAN']);
  assert.equal(stepByCode(1111)?.name, 'ADDSUBSCRIPTION');
  assert.deepEqual(STEPS.filter((s) => runsBeforeStart(s.name)).map((s) => s.name), ['ADDRSTD', 'AUTHCC']);
  assert.equal(runsBeforeStart('void'), false);
});
