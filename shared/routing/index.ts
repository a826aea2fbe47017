/** The routing core: pure decisions over plain data (no AWS SDK), and the store's port. */
export * from './agent';
export * from './availability';
export * from './choose';
export type * from './ports';
export * from './queue';
export * from './skills';
