import { bucketOf, cohortFor, RolloutFlagSchema } from "../../src/rollout/flag";

const ids = Array.from({ length: 10_000 }, (_, i) => `user-${i}-${(i * 7919).toString(36)}`);
const flag = (rolloutPct: number, enabled = true) => RolloutFlagSchema.parse({ enabled, rolloutPct });
const gracefulShare = (pct: number) => ids.filter((id) => cohortFor(id, flag(pct)) === "graceful").length / ids.length;

test("a uid always lands in the same bucket, within 0..9999", () => {
  for (const id of ids.slice(0, 200)) {
    expect(bucketOf(id)).toBe(bucketOf(id));
    expect(bucketOf(id)).toBeGreaterThanOrEqual(0);
    expect(bucketOf(id)).toBeLessThan(10_000);
  }
  expect(bucketOf("demo-user")).toBe(bucketOf("demo-user"));
  expect(new Set(ids.slice(0, 200).map(bucketOf)).size).toBeGreaterThan(190);
});

test.each([1, 10, 25, 50, 90])(
  "%i%% rollout puts that share of 10,000 users in the graceful cohort (±1.5%%)",
  (pct) => {
    expect(Math.abs(gracefulShare(pct) * 100 - pct)).toBeLessThanOrEqual(1.5);
  },
);

test("growing the percentage keeps everyone already in, and 0% and 100% are exact", () => {
  const inAt10 = ids.filter((id) => cohortFor(id, flag(10)) === "graceful");
  expect(inAt10.every((id) => cohortFor(id, flag(50)) === "graceful")).toBe(true);
  expect(
    ids.filter((id) => cohortFor(id, flag(50)) === "graceful").every((id) => cohortFor(id, flag(100)) === "graceful"),
  ).toBe(true);
  expect(gracefulShare(0)).toBe(0);
  expect(gracefulShare(100)).toBe(1);
});

test("a disabled flag puts everyone in the legacy cohort", () => {
  expect(ids.some((id) => cohortFor(id, flag(100, false)) === "graceful")).toBe(false);
});

test("a missing config document means fully on with the default guard; bad values are refused", () => {
  expect(RolloutFlagSchema.parse({})).toEqual({
    enabled: true,
    rolloutPct: 100,
    guard: { refundRateThreshold: 0.2, windowDays: 3, minRuns: 30 },
  });
  expect(RolloutFlagSchema.parse({ rolloutPct: 10, guard: { minRuns: 5 } }).guard).toEqual({
    refundRateThreshold: 0.2,
    windowDays: 3,
    minRuns: 5,
  });
  expect(() => RolloutFlagSchema.parse({ rolloutPct: 101 })).toThrow();
  expect(() => RolloutFlagSchema.parse({ guard: { refundRateThreshold: 20 } })).toThrow();
});
