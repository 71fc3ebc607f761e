import { END_CARD_LIMITS } from "../../contract/brand";
import { CAMERA_MOTIONS, type RunInput, type Script, type SceneScript, type VisualDna } from "../../contract/run";
import { userMessages } from "../../messages";
import { scriptProblems, words } from "../../models/replyChecks";
import { PipelineFailure } from "../../contract/failure";
import type { PipelineSettings, VoiceoverSettings } from "../../pipelineSettings";
import { briefSentences, planVoiceover } from "../../script/voiceoverPlan";
import type { CallContext, ScriptProvider, Served } from "../../contract/providers";
import { throwIfModelFault } from "./injectedFaults";

const MODEL = "local-script-composer";

const ROLES = ["The reveal", "In detail", "In use", "Made to last", "Up close", "Everyday", "The details"];

/** A scene's narration says at least this many words (a lone word is a label, not narration). */
const MIN_NARRATION_WORDS = 2;

/** Lines joined so each says at least MIN_NARRATION_WORDS words: a one-word line goes with its neighbour. */
function narrationUnits(lines: string[]): string[] {
  const units: string[] = [];
  for (const line of lines) {
    const last = units.at(-1);
    if (last !== undefined && words(last) < MIN_NARRATION_WORDS) units[units.length - 1] = `${last} ${line}`;
    else units.push(line);
  }
  if (units.length > 1 && words(units.at(-1)!) < MIN_NARRATION_WORDS) units.splice(-2, 2, units.slice(-2).join(" "));
  return units;
}

/** Splits `lines` into `parts` runs of consecutive lines; a part left empty repeats a line. */
function splitLines(lines: string[], parts: number): string[][] {
  return Array.from({ length: parts }, (_, k) => {
    const chunk = lines.slice(Math.floor((k * lines.length) / parts), Math.floor(((k + 1) * lines.length) / parts));
    return chunk.length > 0 ? chunk : [lines[k % lines.length]];
  });
}

/**
 * Composes a script and shot list from the brief and the Visual DNA, written for the video's length:
 * the voice-over (planVoiceover) opens with a hook naming the product and brand, says the brief's
 * sentences and what the Visual DNA found, and closes with a call to action, as long as the video
 * needs by the syllables it takes to say. Null when nothing known fills the video (the preflight
 * refuses such runs before the charge).
 */
export function composeScript(
  input: RunInput,
  dna: VisualDna,
  sceneSeconds: number,
  settings: VoiceoverSettings,
): Script | null {
  const videoSec = input.scenes * sceneSeconds;
  // What the preflight judged (the names and the brief) is the fallback when the Visual DNA's lines miss the band.
  const plan = planVoiceover(input, videoSec, settings, dna) ?? planVoiceover(input, videoSec, settings);
  if (!plan) return null;
  const lines = [plan.hook, ...plan.body, ...(plan.cta ? [plan.cta] : [])];
  const look = `${dna.mood}, ${dna.lighting}, palette ${dna.palette.slice(0, 3).join(" ")}`;
  const product = `${input.brandName} ${input.productName}`;
  const fallbackLine = briefSentences(input.brief)[0] ?? input.productName;
  // The hook opens the first scene and the call to action closes the last; the rest share the middle.
  const narrations = splitLines(narrationUnits(lines), input.scenes);
  const scenes: SceneScript[] = narrations.map((said, i) => {
    const first = i === 0;
    const last = i === input.scenes - 1 && input.scenes > 1;
    const line = (said.find((l) => !l.startsWith(plan.hook) && l !== plan.cta) ?? fallbackLine).replace(/[.!?]+$/, "");
    const title = first ? "Hook" : last ? "Call to action" : ROLES[(i - 1) % ROLES.length];
    return {
      title,
      shot: `${title}: ${dna.composition} of the ${input.productName}, ${first ? "slow push in" : last ? "logo-friendly hold" : "gentle camera move"}; ${line}`,
      videoPrompt: `Cinematic ${dna.composition} of ${product}, ${title.toLowerCase()}: ${dna.productDescription} ${line}. Look: ${look}.`,
      narration: said.join(" "),
      motion: CAMERA_MOTIONS[i % CAMERA_MOTIONS.length],
      durationSec: sceneSeconds,
    };
  });
  return {
    headline: `${input.productName} by ${input.brandName}`,
    callToAction: cardCallToAction(plan.cta, input),
    // Said once, in order; a scene whose share of the lines ran out repeats a line in its notes only.
    voiceover: lines.join(" "),
    scenes,
  };
}

export class LocalScriptProvider implements ScriptProvider {
  constructor(
    private readonly settings: () => Promise<Pick<PipelineSettings, "sceneSeconds" | "voiceFit" | "qualityGate">>,
  ) {}

  async write(req: { input: RunInput; dna: VisualDna }, ctx: CallContext): Promise<Served<Script>> {
    throwIfModelFault("script", ctx.faults, MODEL, userMessages.scriptFailed);
    const started = Date.now();
    const settings = await this.settings();
    const value = composeScript(req.input, req.dna, settings.sceneSeconds, settings);
    // The same quality check a model's script must pass; a run the preflight let through always passes it.
    const problems = value
      ? scriptProblems(value, req.input, settings)
      : [`nothing known fills ${req.input.scenes} scenes of ${settings.sceneSeconds} s`];
    if (!value || problems.length > 0) {
      throw new PipelineFailure({
        stage: "script",
        reason: `local script: ${problems.join("; ")}`,
        userMessage: userMessages.scriptFailed,
        attempts: [
          { model: MODEL, tier: "local", errorClass: "invalid_output", error: problems.join("; "), durationMs: 0 },
        ],
      });
    }
    return {
      value,
      model: MODEL,
      tier: "local",
      attempts: [{ model: MODEL, tier: "local", errorClass: null, durationMs: Date.now() - started }],
    };
  }
}

/**
 * The call to action the end card draws: the one the voice says when it fits the card, else a shorter
 * one naming the brand, else the voice's own closing words.
 */
export function cardCallToAction(spoken: string | undefined, input: Pick<RunInput, "brandName" | "productName">) {
  const fits = (text: string | undefined): text is string =>
    text !== undefined && text.length <= END_CARD_LIMITS.callToAction;
  const candidates = [spoken, `Discover ${input.brandName} ${input.productName}`, `Discover ${input.brandName}`];
  return candidates.find(fits) ?? "Yours today.";
}
