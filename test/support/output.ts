/** Everything a function writes while `run` runs (Powertools logs and EMF, stdout and stderr), line by line. */
export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; lines: string[]; json: Record<string, unknown>[] }> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  try {
    const result = await run();
    // Logs and EMF are JSON lines; Node's own warnings (the SDK's Node 20 notice) are not.
    return { result, lines, json: lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>) };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

type Emf = { _aws?: { CloudWatchMetrics?: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;

/** The EMF metrics in captured output: name, value, and the dimension values they were recorded with. */
export function emfMetrics(json: Record<string, unknown>[]): { name: string; value: unknown; dimensions: Record<string, unknown> }[] {
  return (json as Emf[]).flatMap((blob) =>
    (blob._aws?.CloudWatchMetrics ?? []).flatMap((directive) =>
      directive.Metrics.map((m) => ({
        name: m.Name,
        value: blob[m.Name],
        dimensions: Object.fromEntries(directive.Dimensions.flat().map((d) => [d, blob[d]])),
      })),
    ),
  );
}

/** Lines that contain any of `secrets`: personal data that must never reach logs. */
export const linesContaining = (lines: readonly string[], secrets: readonly string[]) => lines.filter((l) => secrets.some((s) => l.includes(s)));
