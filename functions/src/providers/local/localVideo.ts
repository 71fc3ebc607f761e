import { sceneFault } from "../../contract/faults";
import { UnusableClipError } from "../../media/normalize";
import { unusableClip } from "../../video/sceneRules";
import type {
  CallContext,
  RenderedClip,
  SceneVideoRequest,
  VideoGenerator,
  VideoPoll,
  VideoSubmission,
} from "../../contract/providers";

export const LOCAL_VIDEO_MODEL = "local-motion";

/** What the local model renders: Veo's 720p frame at Veo's 24 fps, so the pipeline normalises it like a real clip. */
export function localClipShape(req: Pick<SceneVideoRequest, "width" | "height">) {
  return req.height > req.width ? { width: 720, height: 1280, fps: 24 } : { width: 1280, height: 720, fps: 24 };
}

const OPERATION = /^local-operations\/[^/]+\/(\d+)\/(\d+)$/;

/**
 * The offline stand-in for a video model, answering in its rhythm: `submit` starts a generation that
 * is ready after `generationSeconds` (longer for a `slow` fault, which outlasts the queue's dispatch
 * deadline), `poll` renders the generated-motion clip (visibly unlike Ken Burns) once it is ready.
 * Faults make it answer as a real model does when it filters a scene or rate-limits us.
 */
export class LocalVideoGenerator implements VideoGenerator {
  constructor(
    private readonly render: (req: SceneVideoRequest) => Promise<RenderedClip>,
    private readonly timing: { generationSeconds: number; slowGenerationSeconds: number },
  ) {}

  async submit(req: SceneVideoRequest, ctx: CallContext): Promise<VideoSubmission> {
    const fault = sceneFault(ctx.faults, req.sceneIndex + 1);
    switch (fault) {
      case "celebrity":
        return { kind: "filtered", reason: "celebrity_detected", detail: "injected: person/celebrity filter" };
      case "safety":
        return { kind: "filtered", reason: "safety_filter", detail: "injected: safety filter" };
      case "rate_limit":
        return { kind: "rate_limited", detail: "injected: 429 RESOURCE_EXHAUSTED" };
      case "fail":
        throw new Error(`injected: scene ${req.sceneIndex + 1} cannot be rendered`);
      case "slow":
      case "slow_pass":
      case undefined: {
        const seconds = fault === "slow" ? this.timing.slowGenerationSeconds : this.timing.generationSeconds;
        const readyAt = Date.now() + seconds * 1000;
        return { kind: "started", operationName: `local-operations/${req.runId}/${req.sceneIndex}/${readyAt}` };
      }
    }
  }

  async poll(operationName: string, req: SceneVideoRequest): Promise<VideoPoll> {
    const match = OPERATION.exec(operationName);
    if (!match) throw new Error(`not a local operation name: "${operationName}"`);
    if (Date.now() < Number(match[2])) return { kind: "pending" };
    try {
      return { kind: "video", file: (await this.render(req)).file };
    } catch (error) {
      // The stand-in's own check of its clip (the product on its card) failed: an unusable clip, as a model's.
      if (error instanceof UnusableClipError) return unusableClip(error.message);
      throw error;
    }
  }
}
