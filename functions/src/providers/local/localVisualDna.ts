import type { VisualDna } from "../../contract/run";
import { userMessages } from "../../messages";
import type { CallContext, Served, VisualDnaProvider } from "../../contract/providers";
import { throwIfModelFault } from "./injectedFaults";
import { describeImage, type ImageFacts } from "../../script/imageFacts";

const MODEL = "local-image-analysis";

/** Visual DNA from real image analysis (palette, brightness, sharpness, framing), offline. */
export class LocalVisualDnaProvider implements VisualDnaProvider {
  constructor(private readonly analyze: (image: Buffer) => Promise<ImageFacts>) {}

  async extract(req: Parameters<VisualDnaProvider["extract"]>[0], ctx: CallContext): Promise<Served<VisualDna>> {
    throwIfModelFault("visual_dna", ctx.faults, MODEL, userMessages.visualDnaFailed);
    const started = Date.now();
    const facts = await this.analyze(req.image);
    const value = describeImage(facts, req.input);
    return {
      value,
      model: MODEL,
      tier: "local",
      attempts: [{ model: MODEL, tier: "local", errorClass: null, durationMs: Date.now() - started }],
    };
  }
}
