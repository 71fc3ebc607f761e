import { userMessages } from "../../messages";
import type { CallContext, Served, Speech, VoiceProvider } from "../types";
import { throwIfModelFault } from "./injectedFaults";

const MODEL = "flite";

/** Offline speech (Flite compiled to WASI). */
export class LocalVoiceProvider implements VoiceProvider {
  constructor(private readonly synthesize: (text: string) => Promise<Speech>) {}

  async speak(req: { text: string }, ctx: CallContext): Promise<Served<Speech>> {
    if (ctx.faults.voice === "fail") throw new Error("injected voice engine failure");
    throwIfModelFault("voice", ctx.faults, MODEL, userMessages.voiceFailed);
    const started = Date.now();
    const value = await this.synthesize(req.text);
    return {
      value,
      model: MODEL,
      tier: "local",
      attempts: [{ model: MODEL, tier: "local", errorClass: null, durationMs: Date.now() - started }],
    };
  }
}
