import { z } from "zod";

/**
 * Fault injection (emulators only): lets tests and the demo make a provider,
 * a scene or a stage fail on a real run. A run carrying `test.faults` is refused outside the emulators.
 */
export const ModelFault = z.enum(["model_not_found", "all_models_down"]);

export const FaultsSchema = z
  .object({
    visual_dna: ModelFault.optional(),
    script: ModelFault.optional(),
    /** "silent": the voice engine answers with silence, which only the quality gate can catch. */
    voice: z.enum(["model_not_found", "all_models_down", "fail", "silent"]).optional(),
    /** Throws after the charge committed, once: the sweeper must pick the run up again. */
    charge: z.literal("crash_after").optional(),
    /**
     * Per scene (1-based): "celebrity:1,2,3", "safety:2", "rate_limit:1", "fail:2", "slow:1", "slow_pass:1"
     * joined by ";". `slow` makes the generation outlast the scene queue's dispatch deadline; `slow_pass`
     * makes the normalising pass of the scene's clip run far slower than real time, as on a machine too
     * loaded to keep up, so it outlasts a short `clipPassTimeoutSeconds`.
     */
    scenes: z
      .string()
      .regex(
        /^(celebrity|safety|rate_limit|fail|slow|slow_pass):\d+(,\d+)*(;(celebrity|safety|rate_limit|fail|slow|slow_pass):\d+(,\d+)*)*$/,
      )
      .optional(),
    /**
     * "drop_last_scene": the join leaves the last scene out, so the video is short of its promise.
     * "music_unducked": the music bed is mixed at its full level under the voice (not ducked).
     * The quality gate must catch both.
     */
    assembly: z.enum(["fail", "drop_last_scene", "music_unducked"]).optional(),
  })
  .strict();
export type Faults = z.infer<typeof FaultsSchema>;

/** How many times slower than real time the `slow_pass` fault runs a clip's normalising pass. */
export const SLOW_PASS_SLOWDOWN = 20;

export type SceneFaultKind = "celebrity" | "safety" | "rate_limit" | "fail" | "slow" | "slow_pass";

/** The fault injected into one scene (1-based index), if any. */
export function sceneFault(faults: Faults, sceneNumber: number): SceneFaultKind | undefined {
  if (!faults.scenes) return undefined;
  for (const clause of faults.scenes.split(";")) {
    const [kind, list] = clause.split(":") as [SceneFaultKind, string];
    if (list.split(",").map(Number).includes(sceneNumber)) return kind;
  }
  return undefined;
}

/** Parses the demo's `--fault stage=kind` flags into the run's fault object. */
export function parseFaultFlags(flags: string[]): Faults {
  const raw: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq <= 0) throw new Error(`--fault expects stage=kind, got "${flag}"`);
    raw[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  return FaultsSchema.parse(raw);
}
