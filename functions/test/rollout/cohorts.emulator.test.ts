/**
 * Both rollout cohorts through the real triggers: the same failure is a refunded failure for
 * the graceful cohort and a charged run on generic content for the legacy one (measured as waste).
 */
import { ROLLOUT_FLAG_PATH } from "../../src/rollout/flag";
import { LEGACY_DNA } from "../../src/rollout/legacy";
import {
  TRIGGER_PROJECT,
  balanceOf,
  firestoreFor,
  movementsOf,
  settled,
  startRun,
  waitForRun,
  writeSettings,
} from "../support/emulator";
import { upscaledCoffee } from "../support/samples";

const db = firestoreFor(TRIGGER_PROJECT);

async function runWithModelFault(rolloutPct: number) {
  await db.doc(ROLLOUT_FLAG_PATH).set({ enabled: true, rolloutPct });
  const { uid, runId } = await startRun(db, await upscaledCoffee(), {
    scenes: 2,
    faults: { visual_dna: "model_not_found" },
  });
  return { uid, runId, run: await waitForRun(db, runId, settled) };
}

beforeAll(() => writeSettings(db));
afterAll(() => db.doc(ROLLOUT_FLAG_PATH).set({ enabled: true, rolloutPct: 100 }));

test("graceful cohort: the model failure fails the run and refunds it", async () => {
  const { uid, run } = await runWithModelFault(100);
  expect(run.cohort).toBe("graceful");
  expect(run.status).toBe("failed");
  expect(run.failure?.refunded).toBe(true);
  expect(await balanceOf(db, uid)).toBe(100);
});

test("legacy cohort: the old behaviour, generic content charged and labelled legacy", async () => {
  const { uid, runId, run } = await runWithModelFault(0);
  expect(run.cohort).toBe("legacy");
  expect(run.status).toBe("succeeded");
  expect(run.dna).toEqual(LEGACY_DNA);
  expect(run.stages?.visual_dna).toMatchObject({ tier: "legacy" });
  expect(run.stages?.visual_dna?.attempts[0]).toMatchObject({ errorClass: "not_found" });
  expect(await movementsOf(db, uid, runId)).toEqual([{ id: `charge_${runId}`, kind: "charge", amount: -10 }]);
  expect(await balanceOf(db, uid)).toBe(90);
});
