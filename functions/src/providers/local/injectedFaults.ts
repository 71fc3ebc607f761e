import type { ModelTier, Stage } from "../../contract/run";
import type { Faults } from "../../contract/faults";
import { PipelineFailure } from "../../contract/failure";

const FAULT_MESSAGES: Record<
  "model_not_found" | "all_models_down",
  { errorClass: "not_found" | "transient"; error: string }
> = {
  model_not_found: { errorClass: "not_found", error: "injected: model not found" },
  all_models_down: { errorClass: "transient", error: "injected: every model is unavailable" },
};

/**
 * Replays the incident's model failures on a local stand-in: the stage records the failed
 * attempt and throws PipelineFailure, exactly as an exhausted cloud chain does.
 */
export function throwIfModelFault(
  stage: Extract<Stage, "visual_dna" | "script" | "voice">,
  faults: Faults,
  model: string,
  userMessage: string,
): void {
  const fault = faults[stage];
  if (fault !== "model_not_found" && fault !== "all_models_down") return;
  const { errorClass, error } = FAULT_MESSAGES[fault];
  const tier: ModelTier = "local";
  throw new PipelineFailure({
    stage,
    reason: `every model failed: ${model} ${errorClass}`,
    userMessage,
    attempts: [{ model, tier, errorClass, error, durationMs: 0 }],
  });
}
