/** Small numeric and formatting helpers shared by the benchmark modules. */

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

/** A number with a fixed count of decimals, for tables. */
export const fmt = (value: number, decimals = 2): string => (Number.isFinite(value) ? value.toFixed(decimals) : 'n/a');

export const met = (ok: boolean): string => (ok ? 'met' : '**NOT MET**');

/** Runs `task` for every item with at most `concurrency` in flight; resolves when all are done. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A markdown table from a header row and body rows. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
