// The engine: actors per item, persist-before-act, recovery, CSR actions, the notification bus.
export { createEngine, type Engine, type EngineOptions, type ItemDetail, type StartDetail } from './createEngine.ts';
export type { OrderOutcome, PlaceOrderRequest, PlacedItem } from './orders.ts';
export type { ReprocessResult } from './csr.ts';
export type { RecoveryReport } from './recovery.ts';
export type { EngineEvents, StepOutcome } from './bus.ts';
export type { DebugPoint } from './runner.ts';
export { CLOSED_MESSAGE, customerKey } from './project.ts';
export { createAccess, type Access, type Credential, type NewApp } from './access.ts';
