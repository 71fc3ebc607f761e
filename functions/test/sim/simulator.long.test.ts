/**
 * The deterministic simulator as a pure test (no emulator, no build): a fixed budget of seeded
 * histories of the real handlers must keep every invariant, the same seed must replay the same
 * history, the invariants must catch what they are there to catch, and bad options are refused.
 */
import "../../sim/logs";
import { Timestamp } from "firebase-admin/firestore";
import { Invariants } from "../../sim/invariants";
import { MemoryFirestore } from "../../sim/memoryFirestore";
import { parseSimArgs } from "../../sim/options";
import { simulate } from "../../sim/world";
import { loadPipelineSettings } from "../../src/pipelineSettings";

/**
 * Seeds checked by every test run; `npm run sim` explores beyond them. Under a heavy load a history
 * can take half a second, hence the test's own timeout.
 */
const SEEDS = 120;
const STEPS = 3000;

test(`${SEEDS} simulated histories keep every invariant`, async () => {
  const started = performance.now();
  let steps = 0;
  const failures: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const result = await simulate({ seed, steps: STEPS });
    steps += result.steps;
    for (const v of result.violations) failures.push(`seed ${seed}: ${v.invariant}: ${v.detail}`);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `simulator: ${SEEDS} histories checked (seeds 1..${SEEDS}, faults on for up to ${STEPS} steps each), ${steps} steps in ${seconds.toFixed(1)} s (${(SEEDS / seconds).toFixed(1)} histories/s)`,
  );
  expect(failures).toEqual([]);
}, 600_000);

test("one seed is one history: a replay is the same, trace and all", async () => {
  const first = await simulate({ seed: 7, steps: STEPS, trace: true });
  const again = await simulate({ seed: 7, steps: STEPS, trace: true });
  expect(again.trace).toEqual(first.trace);
  expect(first.trace.length).toBeGreaterThan(20);
  // `--runs` with the seed's own count changes nothing else.
  const sameRuns = await simulate({ seed: 7, steps: STEPS, trace: true, runs: first.runs });
  expect(sameRuns.trace).toEqual(first.trace);
});

test("switching a fired fault off replays a different history of the same seed", async () => {
  let seed = 1;
  let result = await simulate({ seed, steps: STEPS });
  while (result.fired.length === 0) result = await simulate({ seed: ++seed, steps: STEPS });
  const off = await simulate({ seed, steps: STEPS, faultsOff: new Set([result.fired[0].index]) });
  expect(off.fired.map((f) => f.index)).not.toContain(result.fired[0].index);
});

describe("the invariants catch what they guard", () => {
  async function watched() {
    const db = new MemoryFirestore();
    const clock = { now: Date.UTC(2026, 11, 7) };
    const invariants = new Invariants(db, clock);
    db.state.onCommit((changes) => invariants.onCommit(changes, settings));
    const settings = await loadPipelineSettings(db.asFirestore());
    const run = (status: string, extra: Record<string, unknown> = {}) => ({ uid: "u", status, ...extra });
    return { db, invariants, run, settings };
  }

  test("a failed run that moves again is a revived run", async () => {
    const { db, invariants, run } = await watched();
    await db.doc("runs/r").set(run("failed"));
    await db.doc("runs/r").set(run("running"));
    expect(invariants.violations.map((v) => v.invariant)).toContain("no run revived");
  });

  test("a written decision replaced by another is a replaced answer", async () => {
    const { db, invariants, run } = await watched();
    await db.doc("runs/r").set(run("awaiting_decision", { decision: "retry", answerBy: Timestamp.fromMillis(0) }));
    await db.doc("runs/r").update({ decision: "refund" });
    expect(invariants.violations.map((v) => v.invariant)).toContain("no written answer replaced");
  });

  test("credits that appear from nowhere break the balance", async () => {
    const { db, invariants } = await watched();
    invariants.granted("u", 10);
    await db.doc("users/u").set({ credits: 20 });
    expect(invariants.violations.map((v) => v.invariant)).toContain("balance = grants − charges + refunds");
  });

  test("a notice written twice is caught", async () => {
    const { db, invariants } = await watched();
    await db.doc("users/u/notifications/refund_r").set({ kind: "refunded" });
    await db.doc("users/u/notifications/refund_r").set({ kind: "refunded" });
    expect(invariants.violations.map((v) => v.invariant)).toContain("each notice is sent once");
  });
});

test("bad options are refused with the reason; good ones are read", () => {
  expect(parseSimArgs(["--seed", "abc"])).toEqual({ kind: "usage", error: '--seed needs a whole number, not "abc"' });
  expect(parseSimArgs(["--seed", "4294967296"])).toMatchObject({ kind: "usage" });
  expect(parseSimArgs(["--frobnicate"])).toEqual({ kind: "usage", error: 'unknown option "--frobnicate"' });
  expect(parseSimArgs(["--faults-off", "1,x"])).toMatchObject({ kind: "usage" });
  expect(parseSimArgs(["--seeds"])).toMatchObject({ kind: "usage" });
  expect(parseSimArgs(["--seeds", "5", "--steps", "100", "--faults-off", "3,4"])).toEqual({
    kind: "run",
    options: { seeds: 5, from: 1, steps: 100, budgetSeconds: Infinity, faultsOff: new Set([3, 4]) },
  });
});
