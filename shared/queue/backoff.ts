/** Seconds before retry n+1 after n failed attempts: 30 s doubling, at most 15 minutes. */
export const backoffSeconds = (attempts: number): number => Math.min(30 * 2 ** Math.max(0, attempts - 1), 900);
