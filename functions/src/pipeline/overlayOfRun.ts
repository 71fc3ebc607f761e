/**
 * The overlay plan of a run (media/captions.ts) from what the run holds: the script, the voice's measured
 * timing, the brand it started with and its options. The scene passes draw it, the assembly writes its
 * captions as WebVTT and the quality gate checks it: each derives the same plan from the same run.
 */
import type { RunDocument } from "../contract/runDocument";
import { frameSize } from "../media/clip";
import type { OverlayPlan } from "../contract/overlay";
import { overlayPlan } from "../script/captions";
import { adTexts } from "../messages";
import type { PipelineSettings } from "../pipelineSettings";
import { runInputOf } from "./runContext";

/**
 * The run's overlay plan; null before its script and its voice's timing exist. A run started before the
 * voice came ahead of the scenes renders its scenes with no timing yet: they draw nothing, and the gate
 * checks no overlay on them, as on clips rendered before overlays existed.
 */
export function overlayPlanOfRun(run: RunDocument, settings: Pick<PipelineSettings, "overlay">): OverlayPlan | null {
  const script = run.script;
  if (!script || !run.voice?.timing) return null;
  const input = runInputOf(run);
  return overlayPlan(
    {
      frame: frameSize(input.aspectRatio),
      headline: script.headline,
      productName: input.productName,
      brandName: run.brand?.brandName ?? input.brandName,
      // The approved storyboard's call to action is the script's; then the kit's; then ours.
      callToAction:
        run.storyboard?.callToAction ||
        run.brand?.callToAction ||
        run.script?.callToAction ||
        adTexts.defaultCallToAction,
      narrations: script.scenes.map((scene) => scene.narration),
      sceneSeconds: script.scenes.map((scene) => scene.durationSec),
      timing: run.voice?.timing,
      brand: run.brand,
      options: run.options,
    },
    settings.overlay,
  );
}
