// The store: the only importer of lmdb, behind domain verbs.
export * from './types.ts';
export { openStore } from './openStore.ts';
export { openThirdPartyStore, type ThirdPartyStore } from './keyValue.ts';
