/** What the benches share to time a step and summarise repeated runs. */

/** Runs `run` and returns its wall time in milliseconds with its value. */
export async function timed<T>(run: () => Promise<T>): Promise<[number, T]> {
  const started = process.hrtime.bigint();
  const value = await run();
  return [Number(process.hrtime.bigint() - started) / 1e6, value];
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
