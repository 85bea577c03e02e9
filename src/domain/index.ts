// The domain: types, the step table, statuses, errors, connector interfaces and pure rules.
export * from './steps.ts';
export * from './retry.ts';
export * from './statuses.ts';
export * from './errors.ts';
export * from './connectors.ts';
export * from './idempotency.ts';
export * from './purchase.ts';
export * from './records.ts';
export * from './ports.ts';
export * from './time.ts';
export * from './text.ts';
