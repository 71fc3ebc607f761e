import { CAMERA_MOTIONS, type RunInput, type Script, type SceneScript, type VisualDna } from "../../contract/run";
import { userMessages } from "../../messages";
import { scriptProblems, targetWords, words } from "../../models/quality";
import { PipelineFailure } from "../../pipeline/failure";
import type { PipelineSettings, VoiceFit } from "../../pipelineSettings";
import type { CallContext, ScriptProvider, Served } from "../types";
import { throwIfModelFault } from "./injectedFaults";

const MODEL = "local-script-composer";

/** Sentences of the brief, trimmed, so narration uses the user's own words. */
function briefSentences(brief: string): string[] {
  return brief
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim().replace(/[.!?]+$/, ""))
    .filter((s) => s.length >= 3);
}

const ROLES = ["The reveal", "In detail", "In use", "Made to last", "Up close", "Everyday", "The details"];

/**
 * The opening and closing lines: the richest pair that leaves room for the brief within the target,
 * else the richest that can still be spoken in the video, else the shortest. Every hook names the
 * product and brand; a video of more than one scene always closes with a call to action.
 */
function hookAndCallToAction(input: RunInput, targetWordCount: number, mostWords: number) {
  const hooks = [`Meet ${input.productName} from ${input.brandName}.`, `${input.productName} from ${input.brandName}.`];
  const ctas =
    input.scenes === 1
      ? [undefined]
      : [`${input.brandName} ${input.productName}. Yours today.`, `${input.brandName}. Yours today.`, "Yours today."];
  const pairs = hooks.flatMap((hook) =>
    ctas.map((cta) => ({ hook, cta, count: words(hook) + (cta ? words(cta) : 0) })),
  );
  return (
    pairs.find((p) => p.count <= targetWordCount) ??
    pairs.find((p) => p.count <= mostWords) ??
    pairs.reduce((a, b) => (b.count < a.count ? b : a))
  );
}

/**
 * The voice-over's sentences for a target word count: the hook (names the product and brand), the
 * brief's own sentences in order (again from the start if the brief is short), and the call to action.
 * A sentence is added while it brings the total closer to the target.
 */
function voiceoverLines(
  input: RunInput,
  targetWordCount: number,
  mostWords: number,
): { hook: string; body: string[]; cta?: string } {
  const { hook, cta } = hookAndCallToAction(input, targetWordCount, mostWords);
  const sentences = briefSentences(input.brief).map((s) => `${s}.`);
  if (sentences.length === 0) sentences.push(input.brief.trim());
  const body: string[] = [];
  let count = words(hook) + (cta ? words(cta) : 0);
  for (let i = 0; i < 2 * sentences.length; i++) {
    const next = sentences[i % sentences.length];
    if (Math.abs(count + words(next) - targetWordCount) >= Math.abs(count - targetWordCount)) break;
    if (count + words(next) > mostWords) break;
    body.push(next);
    count += words(next);
  }
  return { hook, body, cta };
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
 * the hook names the product and brand, the middle scenes carry the brief's sentences, the last is
 * the call to action, and the voice-over has about the words the video's length asks for.
 */
export function composeScript(
  input: RunInput,
  dna: VisualDna,
  sceneSeconds: number,
  speech: Pick<VoiceFit, "wordsPerSec" | "targetCoverage" | "maxCoverage">,
): Script {
  const look = `${dna.mood}, ${dna.lighting}, palette ${dna.palette.slice(0, 3).join(" ")}`;
  const product = `${input.brandName} ${input.productName}`;
  const videoSec = input.scenes * sceneSeconds;
  const wanted = targetWords(videoSec, speech.wordsPerSec, speech.targetCoverage);
  const most = targetWords(videoSec, speech.wordsPerSec, speech.maxCoverage);
  const { hook, body, cta } = voiceoverLines(input, wanted, most);
  const middleCount = Math.max(0, input.scenes - 2);
  // With no middle scene, the brief's sentences follow the hook in the first scene.
  // A short ad whose hook and call to action use the whole budget still gives its middle scenes notes.
  const middle = middleCount > 0 ? splitLines(body.length > 0 ? body : [input.brief.trim()], middleCount) : [];
  const narrations = [[hook, ...(middleCount === 0 ? body : [])], ...middle, ...(cta ? [[cta]] : [])];
  const scenes: SceneScript[] = narrations.map((lines, i) => {
    const first = i === 0;
    const last = i === input.scenes - 1 && input.scenes > 1;
    const line = ((first ? body[0] : last ? body.at(-1) : middle[i - 1][0]) ?? input.brief).replace(/\.$/, "");
    const title = first ? "Hook" : last ? "Call to action" : ROLES[(i - 1) % ROLES.length];
    return {
      title,
      shot: `${title}: ${dna.composition} of the ${input.productName}, ${first ? "slow push in" : last ? "logo-friendly hold" : "gentle camera move"}; ${line}`,
      videoPrompt: `Cinematic ${dna.composition} of ${product}, ${title.toLowerCase()}: ${dna.productDescription} ${line}. Look: ${look}.`,
      narration: lines.join(" "),
      motion: CAMERA_MOTIONS[i % CAMERA_MOTIONS.length],
      durationSec: sceneSeconds,
    };
  });
  return {
    headline: `${input.productName} by ${input.brandName}`,
    // Said once, in order; a scene whose share of the brief ran out repeats a line in its notes only.
    voiceover: [hook, ...body, ...(cta ? [cta] : [])].join(" "),
    scenes,
  };
}

export class LocalScriptProvider implements ScriptProvider {
  constructor(private readonly settings: () => Promise<Pick<PipelineSettings, "sceneSeconds" | "voiceFit">>) {}

  async write(req: { input: RunInput; dna: VisualDna }, ctx: CallContext): Promise<Served<Script>> {
    throwIfModelFault("script", ctx.faults, MODEL, userMessages.scriptFailed);
    const started = Date.now();
    const { sceneSeconds, voiceFit } = await this.settings();
    const value = composeScript(req.input, req.dna, sceneSeconds, voiceFit);
    // The same quality check a model's script must pass: a brief too short to fill the ad is refused.
    const problems = scriptProblems(value, req.input, voiceFit);
    if (problems.length > 0) {
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
