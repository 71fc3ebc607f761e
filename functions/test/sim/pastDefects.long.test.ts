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
import type { explainViolation as ExplainViolation } from "../../sim/explain";
import type { HistoryResult, simulate as Simulate } from "../../sim/world";

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
        file: "handlers/sweeper.ts",
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
    seedBudget: 600,
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

/** The simulator (and what `npm run sim` prints of a breach) with the defect in place: fresh modules, the mutated ones mocked in. */
function simulatorWith(defect: PastDefect): { simulate: typeof Simulate; explainViolation: typeof ExplainViolation } {
  jest.resetModules();
  const files = [...new Set(defect.edits.map((e) => e.file))];
  for (const file of files) {
    const edits = defect.edits.filter((e) => e.file === file);
    jest.doMock(path.join(SRC, file), () => mutatedModule(file, edits));
  }
  // Loaded after the mocks, through jest's registry, so the simulator runs the mutated modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("../../sim/logs");
  return {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    simulate: (require("../../sim/world") as { simulate: typeof Simulate }).simulate,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    explainViolation: (require("../../sim/explain") as { explainViolation: typeof ExplainViolation }).explainViolation,
  };
}

afterEach(() => {
  for (const defect of DEFECTS) for (const edit of defect.edits) jest.dontMock(path.join(SRC, edit.file));
  jest.resetModules();
});

/** Long enough for the largest budget on a loaded machine (about half a second a history). */
const TIMEOUT_MS = 900_000;

/** Replays the shrinking may spend on one breach here (the command allows 200). */
const SHRINK_REPLAYS = 40;

test.each(DEFECTS.map((d) => [d.name, d] as const))(
  "the simulator finds %s",
  async (_name, defect) => {
    const { simulate, explainViolation } = simulatorWith(defect);
    const started = performance.now();
    let found: HistoryResult | null = null;
    for (let seed = 1; seed <= defect.seedBudget && !found; seed++) {
      const result = await simulate({ seed, steps: STEPS });
      if (result.violations.length > 0) found = result;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (!found) {
      console.log(`${defect.name}: NOT found in ${defect.seedBudget} histories (${seconds} s)`);
      throw new Error(`the simulator missed ${defect.name} in ${defect.seedBudget} histories`);
    }
    const invariant = found.violations[0].invariant;
    expect(defect.caughtBy).toContain(invariant);
    // What the command prints: the breach shrunk to a history that still shows it, and how to replay it.
    const explained = await explainViolation(found, STEPS, SHRINK_REPLAYS);
    expect(explained.shrunk.violations[0]?.invariant).toBe(invariant);
    expect(explained.shrunk.runs).toBeLessThanOrEqual(found.runs);
    expect(explained.shrunk.fired.length).toBeLessThanOrEqual(found.fired.length);
    expect(explained.lines).toContain(`  ✗ ${invariant}: ${found.violations[0].detail}`);
    expect(explained.lines[explained.lines.length - 1]).toMatch(
      new RegExp(`^replay: npm run sim -- --seed ${found.seed} --runs ${explained.shrunk.runs}`),
    );
    console.log(
      `${defect.name}: found after ${found.seed} histories (seeds 1..${found.seed}, ${seconds} s): ` +
        `${invariant}: ${found.violations[0].detail}; shrunk from ${found.runs} runs and ${found.fired.length} faults ` +
        `to ${explained.shrunk.runs} runs and ${explained.shrunk.fired.length} faults (${explained.shrunk.trace.length} trace lines)`,
    );
  },
  TIMEOUT_MS,
);
