import { CAMERA_MOTIONS, type RunInput, type Script, type SceneScript, type VisualDna } from "../../contract/run";
import { userMessages } from "../../messages";
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
 * Composes a script and shot list from the brief and the Visual DNA: the hook names the
 * product and brand, the middle scenes carry the brief's sentences, the last is the call to action.
 */
export function composeScript(input: RunInput, dna: VisualDna, sceneSeconds: number): Script {
  const sentences = briefSentences(input.brief);
  const look = `${dna.mood}, ${dna.lighting}, palette ${dna.palette.slice(0, 3).join(" ")}`;
  const product = `${input.brandName} ${input.productName}`;
  const scenes: SceneScript[] = [];
  for (let i = 0; i < input.scenes; i++) {
    const first = i === 0;
    const last = i === input.scenes - 1 && input.scenes > 1;
    const line =
      sentences.length > 0 ? sentences[(i - (first ? 0 : 1) + sentences.length) % sentences.length] : input.brief;
    const narration = first
      ? `Meet ${input.productName} from ${input.brandName}.`
      : last
        ? `${product}. Yours today.`
        : `${line}.`;
    const title = first ? "Hook" : last ? "Call to action" : ROLES[(i - 1) % ROLES.length];
    scenes.push({
      title,
      shot: `${title}: ${dna.composition} of the ${input.productName}, ${first ? "slow push in" : last ? "logo-friendly hold" : "gentle camera move"}; ${line}`,
      videoPrompt: `Cinematic ${dna.composition} of ${product}: ${dna.productDescription} ${line}. Look: ${look}.`,
      narration,
      motion: CAMERA_MOTIONS[i % CAMERA_MOTIONS.length],
      durationSec: sceneSeconds,
    });
  }
  return {
    headline: `${input.productName} by ${input.brandName}`,
    voiceover: scenes.map((s) => s.narration).join(" "),
    scenes,
  };
}

export class LocalScriptProvider implements ScriptProvider {
  constructor(private readonly sceneSeconds: () => Promise<number>) {}

  async write(req: { input: RunInput; dna: VisualDna }, ctx: CallContext): Promise<Served<Script>> {
    throwIfModelFault("script", ctx.faults, MODEL, userMessages.scriptFailed);
    const started = Date.now();
    const value = composeScript(req.input, req.dna, await this.sceneSeconds());
    return {
      value,
      model: MODEL,
      tier: "local",
      attempts: [{ model: MODEL, tier: "local", errorClass: null, durationMs: Date.now() - started }],
    };
  }
}
