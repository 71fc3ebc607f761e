/**
 * The defects this project has had, put back by hand into the real sources, one at a time: the
 * simulator must find each within a budget of seeds, and says how many it needed. Each mutation is
 * a text replacement of a line of src/ that must still be there (so a refactoring that moves the
 * code fails here loudly instead of testing nothing); the mutated module is compiled and loaded in
 * place of the original for the simulator's run, and everything else is the real code.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import type { simulate as Simulate } from "../../sim/world";

const SRC = path.resolve(__dirname, "..", "..", "src");
const STEPS = 3000;

interface Edit {
  file: string;
  from: string;
  to: string;
}

interface PastDefect {
  name: string;
  edits: Edit[];
  /** The invariants whose breach counts as finding it. */
  caughtBy: string[];
  /** Seeds it may take before the simulator is said to have missed it. */
  seedBudget: number;
}

const DEFECTS: PastDefect[] = [
  {
    name: "a refund lost with a crashed failure handler (the sweeper no longer refunds)",
    edits: [
      {
        file: "lifecycle/sweeper.ts",
        from: `for (const due of ["failure.refundDue", "failure.noticeDue"])`,
        to: `for (const due of ["failure.noticeDue"])`,
      },
    ],
    caughtBy: ["every failed charged run refunded exactly once after recovery", "notices exactly once"],
    seedBudget: 300,
  },
  {
    name: "a failed run revived and charged (a lease shorter than the function timeout lets the sweeper fail a slow preflight, and the charge accepts a failed run)",
    edits: [
      {
        file: "pipelineSettings.ts",
        from: `.default(STAGE_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS),`,
        to: `.default(120),`,
      },
      {
        file: "lifecycle/transitions.ts",
        from: `from: { status: ["preflight", "awaiting_confirmation"], holds: chargeable },\n    to: "running",`,
        to: `from: { status: ["preflight", "awaiting_confirmation", "failed"], holds: chargeable },\n    to: "running",`,
      },
      {
        file: "lifecycle/transitions.ts",
        from: `return run.status === "preflight" || run.confirmation?.proceed === true;`,
        to: `return true;`,
      },
    ],
    caughtBy: ["no run revived", "a charge only where the lifecycle allows it"],
    seedBudget: 300,
  },
  {
    name: "a sweeper default replacing the customer's answer (the sweeper ignores a written decision)",
    edits: [
      {
        file: "lifecycle/stateMachine.ts",
        from: `    if (run.decision) return { kind: "apply_decision" };\n`,
        to: ``,
      },
      {
        file: "lifecycle/transitions.ts",
        from: `holds: (r) => !r.decision && stillDue(r) },`,
        to: `holds: stillDue },`,
      },
    ],
    caughtBy: ["no written answer replaced", "every answer written in time is applied"],
    seedBudget: 300,
  },
  {
    name: "a stale scene round accepted (the scene task no longer checks the round)",
    edits: [
      {
        file: "pipeline/sceneTask.ts",
        from: `run.stage !== "scenes" || (run.scenesRound ?? 0) !== task.round) return;`,
        to: `run.stage !== "scenes") return;`,
      },
      {
        file: "pipeline/sceneTask.ts",
        from: `if (stored && stored.round > task.round) return { kind: "stale" };`,
        to: ``,
      },
    ],
    caughtBy: ["no stale scene round accepted"],
    seedBudget: 3000,
  },
];

/** The module `file` with the edits applied, compiled, its imports resolved through jest's registry. */
function mutatedModule(file: string, edits: Edit[]): unknown {
  const absolute = path.join(SRC, file);
  let source = readFileSync(absolute, "utf8");
  for (const edit of edits) {
    const occurrences = source.split(edit.from).length - 1;
    if (occurrences !== 1)
      throw new Error(`${file}: expected the defect's line once, found it ${occurrences} times: ${edit.from}`);
    source = source.replace(edit.from, edit.to);
  }
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const dir = path.dirname(absolute);
  // Through jest's registry (not import()): the module's imports must be the same instances the
  // simulator loads, with the other mutated modules of the defect in place.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (spec: string): unknown => require(spec.startsWith(".") ? path.resolve(dir, spec) : spec);
  const module = { exports: {} as Record<string, unknown> };
  new Function("exports", "require", "module", "__filename", "__dirname", outputText)(
    module.exports,
    load,
    module,
    absolute,
    dir,
  );
  return module.exports;
}

/** The simulator with the defect in place: fresh modules, the mutated ones mocked in. */
function simulatorWith(defect: PastDefect): typeof Simulate {
  jest.resetModules();
  const files = [...new Set(defect.edits.map((e) => e.file))];
  for (const file of files) {
    const edits = defect.edits.filter((e) => e.file === file);
    jest.doMock(path.join(SRC, file), () => mutatedModule(file, edits));
  }
  // Loaded after the mocks, through jest's registry, so the simulator runs the mutated modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("../../sim/logs");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("../../sim/world") as { simulate: typeof Simulate }).simulate;
}

afterEach(() => {
  for (const defect of DEFECTS) for (const edit of defect.edits) jest.dontMock(path.join(SRC, edit.file));
  jest.resetModules();
});

test.each(DEFECTS.map((d) => [d.name, d] as const))("the simulator finds %s", async (_name, defect) => {
  const simulate = simulatorWith(defect);
  let found: { seed: number; invariant: string; detail: string } | null = null;
  for (let seed = 1; seed <= defect.seedBudget && !found; seed++) {
    const result = await simulate({ seed, steps: STEPS });
    const violation = result.violations[0];
    if (violation) found = { seed, invariant: violation.invariant, detail: violation.detail };
  }
  console.log(
    found
      ? `${defect.name}: found at seed ${found.seed} (${found.seed} histories): ${found.invariant}: ${found.detail}`
      : `${defect.name}: NOT found in ${defect.seedBudget} histories`,
  );
  expect(found).not.toBeNull();
  expect(defect.caughtBy).toContain(found?.invariant);
});
