import { FaultsSchema, type Faults } from "../contract/faults";
import { RunInputSchema, type RunInput } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import type { CallContext } from "../contract/providers";

/** The validated input and faults of a run that already passed the preflight. */
export function runInputOf(run: RunDocument): RunInput {
  return RunInputSchema.parse(run.input);
}

export function faultsOf(run: RunDocument): Faults {
  return FaultsSchema.parse(run.test?.faults ?? {});
}

export function callContext(runId: string, run: RunDocument): CallContext {
  return { runId, faults: faultsOf(run), cohort: run.cohort };
}
