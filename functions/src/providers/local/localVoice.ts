import { wavInfo } from "../../media/speech";
import { userMessages } from "../../messages";
import type { CallContext, Served, Speech, VoiceProvider } from "../../contract/providers";
import { throwIfModelFault } from "./injectedFaults";

const MODEL = "flite";

function silenced(speech: Speech): Speech {
  const { dataOffset } = wavInfo(speech.wav);
  const wav = Buffer.from(speech.wav);
  wav.fill(0, dataOffset);
  return { wav, durationSec: speech.durationSec };
}

/** Offline speech (Flite compiled to WASI). */
export class LocalVoiceProvider implements VoiceProvider {
  constructor(private readonly synthesize: (text: string) => Promise<Speech>) {}

  async speak(req: { text: string }, ctx: CallContext): Promise<Served<Speech>> {
    if (ctx.faults.voice === "fail") throw new Error("injected voice engine failure");
    throwIfModelFault("voice", ctx.faults, MODEL, userMessages.voiceFailed);
    const started = Date.now();
    const spoken = await this.synthesize(req.text);
    // A voice engine that answers with silence: well-formed audio that only the quality gate catches.
    const value = ctx.faults.voice === "silent" ? silenced(spoken) : spoken;
    return {
      value,
      model: MODEL,
      tier: "local",
      attempts: [{ model: MODEL, tier: "local", errorClass: null, durationMs: Date.now() - started }],
    };
  }
}
