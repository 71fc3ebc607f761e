import { sceneFault } from "../../contract/faults";
import type { CallContext, SceneVideoRequest, VideoOutcome, VideoProvider, RenderedClip } from "../types";

const MODEL = "local-motion";

/**
 * The offline stand-in for Veo: renders a generated-motion clip (visibly unlike Ken Burns).
 * Faults make it answer as Veo does when it filters a scene or rate-limits us.
 */
export class LocalVideoProvider implements VideoProvider {
  constructor(private readonly render: (req: SceneVideoRequest) => Promise<RenderedClip>) {}

  async generate(req: SceneVideoRequest, ctx: CallContext): Promise<VideoOutcome> {
    switch (sceneFault(ctx.faults, req.sceneIndex + 1)) {
      case "celebrity":
        return {
          kind: "filtered",
          reason: "celebrity_detected",
          detail: "injected: person/celebrity filter",
          model: MODEL,
        };
      case "safety":
        return { kind: "filtered", reason: "safety_filter", detail: "injected: safety filter", model: MODEL };
      case "rate_limit":
        return { kind: "rate_limited", detail: "injected: 429 RESOURCE_EXHAUSTED", model: MODEL };
      case "fail":
        throw new Error(`injected: scene ${req.sceneIndex + 1} cannot be rendered`);
      case undefined:
        return { kind: "video", clip: await this.render(req), model: MODEL, tier: "local" };
    }
  }
}
