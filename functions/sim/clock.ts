/**
 * The simulated clock. The handlers read time through `Date.now()` and `Timestamp.now()` (which
 * calls `Date.now()`), so the simulator replaces `Date.now` for the length of a history and puts the
 * real one back after: no production code takes a clock parameter for this.
 */
export interface SimClock {
  now: number;
}

export async function withSimClock<T>(clock: SimClock, work: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => clock.now;
  try {
    return await work();
  } finally {
    Date.now = realNow;
  }
}
