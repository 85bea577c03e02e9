// What XState alone costs to interpret the new-start chart (no engine, no store, no simulators):
// the happy path of one item driven through (a) an actor per item, as the engine does, (b) the
// internal `machine.transition(snapshot, event, scope)` with one reused scope (DESIGN.md), and
// (c) the public pure `transition()`. Each variant in a fresh process; median of runs.
//   npm run bench:chart -- [items=20000] [runs=3]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActor, transition } from 'xstate';
import { newStartMachine, type NewStartEvent, type NewStartInput } from '../src/machines/index.ts';
import { NODE_FLAGS } from '../src/nodeFlags.ts';
import { median } from './stats.ts';

type Variant = 'actor' | 'internal' | 'public';
const VARIANTS: Variant[] = ['actor', 'internal', 'public'];

/** The events of a happy path with a new occupant: 13 transitions. */
const HAPPY: NewStartEvent[] = [
  { type: 'step.done', at: 1, output: {}, nextEventId: 'e2' },
  { type: 'step.done', at: 2, output: { authorizationId: 'a', authorizedAmount: 999 }, nextEventId: 'e3' },
  { type: 'order.commit', at: 3, startEventId: 's', temporaryAccountNumber: 'T1', nextEventId: 'e4' },
  { type: 'step.done', at: 4, output: {}, nextEventId: 'e5' },
  { type: 'step.done', at: 5, output: { occupantId: 'o' }, nextEventId: 'e6' },
  { type: 'step.done', at: 6, output: { addressId: 'ad' }, nextEventId: 'e7' },
  { type: 'step.done', at: 7, output: { subscriptionId: 'sub', accountNumber: '100' }, nextEventId: 'e8' },
  { type: 'step.done', at: 8, output: { captureId: 'c', capturedAmount: 999 }, nextEventId: 'e9' },
  { type: 'step.done', at: 9, output: { paymentId: 'p' }, nextEventId: 'e10' },
  { type: 'step.done', at: 10, output: {}, nextEventId: 'e11' },
  { type: 'step.done', at: 11, output: {}, nextEventId: 'e12' },
  { type: 'step.done', at: 12, output: {}, nextEventId: 'e13' },
  { type: 'step.done', at: 13, output: {}, nextEventId: 'e14' },
] as NewStartEvent[];

const input = (i: number): NewStartInput => ({ itemId: `i${i}`, complimentary: false, syncDeadlineAt: 0, firstEventId: 'e1', at: 0 });

function drive(variant: Variant, items: number): { microsPerTransition: number } {
  let transitions = 0;
  const started = performance.now();
  if (variant === 'actor') {
    for (let i = 0; i < items; i++) {
      const actor = createActor(newStartMachine, { input: input(i) });
      actor.start();
      for (const event of HAPPY) actor.send(event);
      transitions += HAPPY.length;
      if (actor.getSnapshot().value !== 'complete') throw new Error('the happy path did not complete');
      actor.stop();
    }
  } else if (variant === 'internal') {
    // An internal signature with a hand-built scope: not a public contract of xstate.
    const self = createActor(newStartMachine, { input: input(0) });
    const scope = { self, defer: () => {}, id: '', logger: () => {}, sessionId: '', stopChild: () => {}, system: self.system, emit: () => {}, actionExecutor: () => {} } as never;
    for (let i = 0; i < items; i++) {
      let snapshot = newStartMachine.getInitialSnapshot(scope, input(i));
      for (const event of HAPPY) snapshot = newStartMachine.transition(snapshot, event, scope);
      transitions += HAPPY.length;
      if (snapshot.value !== 'complete') throw new Error('the happy path did not complete');
    }
  } else {
    for (let i = 0; i < items; i++) {
      let snapshot = createActor(newStartMachine, { input: input(i) }).getSnapshot();
      for (const event of HAPPY) [snapshot] = transition(newStartMachine, snapshot, event);
      transitions += HAPPY.length;
      if (snapshot.value !== 'complete') throw new Error('the happy path did not complete');
    }
  }
  return { microsPerTransition: Math.round(((performance.now() - started) * 1000 * 10) / transitions) / 10 };
}

const [itemsText = '20000', runsText = '3', variant] = process.argv.slice(2);
if (variant) {
  drive(variant as Variant, Math.min(2_000, Number(itemsText))); // warm-up
  process.stdout.write(JSON.stringify(drive(variant as Variant, Number(itemsText))));
  process.exit(0);
}
const rows = VARIANTS.map((v) => {
  const runs = Array.from({ length: Number(runsText) }, () => {
    const child = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', import.meta.filename, itemsText, '1', v], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`${v} failed`);
    return (JSON.parse(child.stdout) as { microsPerTransition: number }).microsPerTransition;
  });
  const middle = median(runs);
  return { variant: v, microsPerTransition: middle, microsPerItem: Math.round(middle * 12.5), runs: runs.join(' / ') };
});
console.table(rows);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'chart-cost.json'), JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
