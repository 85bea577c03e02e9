// Reading the chart: which call a snapshot is at, what the item's status is, and the picture.
// Everything here derives from the chart definition, so the chart stays the one description.
import type { AnyStateMachine, AnyStateNode, StateValue } from 'xstate';
import type { ItemStatus } from '../domain/index.ts';
import type { CallMeta } from './newStart.ts';

/** Where inside a call state the item is. */
export type CallPhase = 'calling' | 'waitingToRetry' | 'failed';

/** The call state an item is at, and where inside it. */
export interface ActiveCall {
  /** Dotted path of the call state, e.g. `CREATESUBSCRIBER` or `closing.voiding`. */
  path: string;
  meta: CallMeta;
  phase: CallPhase;
}

/** The path of state keys of a value with no parallel regions, outermost first. */
export function statePath(value: StateValue): string[] {
  const path: string[] = [];
  let node: StateValue = value;
  while (typeof node !== 'string') {
    const [key] = Object.keys(node);
    if (key === undefined) break;
    path.push(key);
    node = node[key] as StateValue;
  }
  if (typeof node === 'string') path.push(node);
  return path;
}

/** Indexes a machine's call states by dotted path, once per machine. */
export function indexCallStates(machine: AnyStateMachine): Map<string, CallMeta> {
  const found = new Map<string, CallMeta>();
  const visit = (node: AnyStateNode) => {
    const meta = node.meta as CallMeta | undefined;
    if (meta?.call) found.set(node.path.join('.'), meta);
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root);
  return found;
}

/** Answers already worked out, per state value object (the engine asks several times per transition). */
const answered = new WeakMap<object, { callStates: Map<string, CallMeta>; call: ActiveCall | null }>();

/** The call state of a state value, or null at rest (complete, closed, ...). Do not mutate the answer. */
export function activeCall(callStates: Map<string, CallMeta>, value: StateValue): ActiveCall | null {
  if (typeof value === 'string') return findActiveCall(callStates, value);
  const known = answered.get(value);
  if (known?.callStates === callStates) return known.call;
  const call = findActiveCall(callStates, value);
  answered.set(value, { callStates, call });
  return call;
}

/** The call state of a state value, worked out afresh (for a caller that keeps the answer). */
export function findActiveCall(callStates: Map<string, CallMeta>, value: StateValue): ActiveCall | null {
  const path = statePath(value);
  const phase = path[path.length - 1];
  const owner = path.slice(0, -1).join('.');
  const meta = callStates.get(owner);
  if (meta && (phase === 'calling' || phase === 'waitingToRetry' || phase === 'failed')) return { path: owner, meta, phase };
  const self = callStates.get(path.join('.'));
  return self ? { path: path.join('.'), meta: self, phase: 'calling' } : null;
}

/** The provisioning status of an item at a state value (SPEC §2, API.md item `status`). */
export function itemStatusOf(value: StateValue): ItemStatus | 'aborted' {
  // Walks the value without building its path: this runs several times per transition.
  let top: string | undefined;
  let second: string | undefined;
  let leaf: string | undefined;
  let node: StateValue | undefined = value;
  for (let depth = 0; node !== undefined; depth++) {
    const key: string | undefined = typeof node === 'string' ? node : firstKey(node);
    if (key === undefined) break;
    if (depth === 0) top = key;
    else if (depth === 1) second = key;
    leaf = key;
    node = typeof node === 'string' ? undefined : (node[key] as StateValue | undefined);
  }
  // Cancelling is still complete: the subscription runs until the circulation system records the stop.
  if (top === 'complete' || top === 'cancelling') return 'complete';
  if (top === 'cancelled') return 'cancelled';
  // Closing is still failed for the shopper until the compensation is done, so the closed message
  // can say what it did.
  if (top === 'closing') return 'failed';
  if (top === 'closed') return 'closed';
  if (top === 'aborting' || top === 'aborted' || second === 'rejected') return 'aborted';
  if (leaf === 'failed') return 'failed';
  return 'in_progress';
}

function firstKey(object: object): string | undefined {
  for (const key in object) return key;
  return undefined;
}

/** True when nothing is left for the engine to do until a person acts (no call, no timer). */
export function isAtRest(callStates: Map<string, CallMeta>, value: StateValue): boolean {
  return restsAt(activeCall(callStates, value));
}

/** True when an item at this call (null: none) rests: no call to make, no timer to run. */
export function restsAt(call: ActiveCall | null): boolean {
  return call === null || call.phase === 'failed' || call.meta.call === 'STARTSTD';
}

/** The call a transition between two calls sent back to wait for a retry, if it did. */
export function retryScheduled(prev: ActiveCall | null, next: ActiveCall | null): string | undefined {
  if (next?.phase !== 'waitingToRetry' || prev?.phase !== 'calling') return undefined;
  return next.meta.call;
}

/** The chart as a Mermaid `stateDiagram-v2`, drawn from the machine definition. */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const id = (node: AnyStateNode) => node.path.join('_') || 'root';
  const draw = (node: AnyStateNode, indent: string) => {
    const children = Object.values(node.states) as AnyStateNode[];
    const initial = node.initial?.target?.[0] as AnyStateNode | undefined;
    if (initial) lines.push(`${indent}[*] --> ${id(initial)}`);
    for (const child of children) {
      const meta = child.meta as CallMeta | undefined;
      const label = meta?.step ? `${child.key} (${meta.step.code})` : child.key;
      const grandChildren = Object.keys(child.states).length > 0;
      if (grandChildren) {
        lines.push(`${indent}state "${label}" as ${id(child)} {`);
        draw(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${label}" as ${id(child)}`);
      }
      if (child.type === 'final') lines.push(`${indent}${id(child)} --> [*]`);
      for (const [eventType, transitions] of child.transitions) {
        for (const t of transitions) {
          for (const target of t.target ?? []) lines.push(`${indent}${id(child)} --> ${id(target)}: ${eventType}${t.guard ? ` [${guardName(t.guard)}]` : ''}`);
        }
      }
      for (const t of child.always ?? []) {
        for (const target of t.target ?? []) lines.push(`${indent}${id(child)} --> ${id(target)}${t.guard ? `: [${guardName(t.guard)}]` : ''}`);
      }
    }
  };
  draw(machine.root, '  ');
  return lines.join('\n');
}

function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  return 'guard';
}
