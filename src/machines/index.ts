// The state charts: the new-start chart and the helpers that read it.
export * from './newStart.ts';
export * from './chart.ts';
export * from './persistence.ts';
