/**
 * Providers, media and the bucket as instant fakes behind the pipeline's own interfaces. Each call
 * is a scheduling point of the simulator (so an instance can die or stall in it) and fails, by a
 * fault draw, in each way the pipeline knows: a stage's chain exhausted (PipelineFailure with its
 * attempts of every error class), an unexpected error, every video outcome of the scene chain
 * (started, pending, a clip, filtered, rate limited, each video error class), an unusable clip,
 * ffmpeg failing, and the quality gate's verdict.
 */
import { ERROR_CLASSES, type Attempt, type ErrorClass, type PreflightReport, type Script } from "../src/contract/run";
import type { MeasuredClip } from "../src/media/clip";
import type { ClipMeasurements } from "../src/contract/measurements";
import { UnusableClipError } from "../src/media/normalize";
import type { FittedVoice } from "../src/media/voiceFit";
import type { ClipRenderer, ImagePreflight, MusicMixer } from "../src/pipeline/deps";
import { PipelineFailure } from "../src/contract/failure";
import type {
  ScriptProvider,
  Served,
  Speech,
  VideoChainEntry,
  VideoErrorClass,
  VideoPoll,
  VideoSubmission,
  VisualDnaProvider,
  VoiceProvider,
} from "../src/contract/providers";
import type { QualityCheck } from "../src/quality/gate";
import { QUALITY_CAUSES } from "../src/contract/quality";
import type { ObjectStore } from "../src/storage/objectStore";
import type { Gate } from "./memoryFirestore";
import type { SimRandom } from "./random";

/** How often each kind of provider or media failure is drawn. */
export interface FakeOdds {
  stageFails: number;
  unexpectedError: number;
  preflightWarns: number;
  preflightRefuses: number;
  videoFails: number;
  clipUnusable: number;
  qualityFails: number;
}

export const DEFAULT_ODDS: FakeOdds = {
  stageFails: 0.05,
  unexpectedError: 0.04,
  preflightWarns: 0.25,
  preflightRefuses: 0.04,
  videoFails: 0.25,
  clipUnusable: 0.05,
  qualityFails: 0.08,
};

const VIDEO_ERROR_CLASSES: VideoErrorClass[] = ["not_found", "auth_config", "transient", "invalid_output", "unknown"];

export class FakeWorld {
  /** Objects in the bucket: the customers' uploads. */
  readonly objects = new Set<string>();
  private operations = 0;

  constructor(
    private readonly random: SimRandom,
    private readonly gate: Gate,
    private readonly odds: FakeOdds = DEFAULT_ODDS,
  ) {}

  private call<T>(label: string, work: () => T): Promise<T> {
    return this.gate.run({ kind: "external", label }, work);
  }

  private failedAttempts(model: string): Attempt[] {
    const count = this.random.int(3);
    return Array.from({ length: count }, () => ({
      model,
      tier: "primary" as const,
      errorClass: this.random.pick(ERROR_CLASSES) as ErrorClass,
      error: "simulated",
      durationMs: 1,
    }));
  }

  /** A stage's provider: serves, or its whole chain fails, or something unexpected breaks. */
  private serve<T>(stage: "visual_dna" | "script" | "voice", value: () => T): Promise<Served<T>> {
    return this.call(`provider ${stage}`, () => {
      const attempts = this.failedAttempts(`${stage}-model`);
      if (this.random.fault(this.odds.stageFails, `${stage} chain exhausted`)) {
        throw new PipelineFailure({
          stage,
          reason: "all models failed",
          userMessage: "The service could not finish this step.",
          attempts,
        });
      }
      if (this.random.fault(this.odds.unexpectedError, `${stage} unexpected error`)) {
        throw new Error(`simulated ${stage} bug`);
      }
      return { value: value(), model: `${stage}-model`, tier: "primary", attempts };
    });
  }

  readonly store: ObjectStore = {
    size: (objectPath) => this.call(`bucket size ${objectPath}`, () => (this.objects.has(objectPath) ? 2048 : null)),
    read: (objectPath) => this.call(`bucket read ${objectPath}`, () => Buffer.alloc(16)),
    download: (objectPath) => this.call(`bucket download ${objectPath}`, () => undefined),
    upload: (_file, objectPath) => this.call(`bucket upload ${objectPath}`, () => undefined),
  };

  readonly preflight: ImagePreflight = {
    check: () =>
      this.call("preflight check", (): PreflightReport => {
        if (this.random.fault(this.odds.unexpectedError, "preflight unexpected error"))
          throw new Error("decoder crashed");
        const refused = this.random.fault(this.odds.preflightRefuses, "preflight refuses framing");
        const warns = refused || this.random.float() < this.odds.preflightWarns;
        return {
          safeToProceed: !warns,
          ...(refused && { refused: true }),
          warnings: warns ? [{ severity: "high", code: "faces", message: "A face.", recommendation: "Crop it." }] : [],
          faces: warns ? 1 : 0,
          width: 1080,
          height: 1920,
          format: "jpeg",
          detector: "simulated",
        };
      }),
  };

  readonly visualDna: VisualDnaProvider = {
    extract: (_req, ctx) =>
      this.serve("visual_dna", () => ({
        productDescription: `product of ${ctx.runId}`,
        palette: ["#112233"],
        mood: "calm",
        lighting: "soft",
        composition: "centered",
        styleKeywords: ["clean"],
      })),
  };

  readonly script: ScriptProvider = {
    write: (req) =>
      this.serve("script", (): Script => ({
        headline: "A headline",
        voiceover: "A voiceover long enough.",
        scenes: Array.from({ length: req.input.scenes }, (_, i) => ({
          title: `Scene ${i + 1}`,
          shot: "A shot of the product.",
          videoPrompt: "The product on a table.",
          narration: "Look.",
          motion: "zoom_in" as const,
          durationSec: 4,
        })),
      })),
  };

  readonly voice: VoiceProvider = {
    speak: () => this.serve("voice", (): Speech => ({ wav: Buffer.alloc(44), durationSec: 3 })),
  };

  private videoFailure(): Exclude<VideoSubmission, { kind: "started" }> {
    switch (this.random.int(4)) {
      case 0:
        return {
          kind: "filtered",
          reason: this.random.pick(["celebrity_detected", "safety_filter"] as const),
          detail: "",
        };
      case 1:
        return { kind: "rate_limited", detail: "429" };
      default:
        return { kind: "error", errorClass: this.random.pick(VIDEO_ERROR_CLASSES), detail: "simulated" };
    }
  }

  /** The video chain: one or two models, sometimes one already past its retirement date. */
  videoChain(): VideoChainEntry[] {
    const generator = (model: string) => ({
      submit: () =>
        this.call(`video submit ${model}`, (): VideoSubmission =>
          this.random.fault(this.odds.videoFails, `${model} submit fails`)
            ? this.videoFailure()
            : { kind: "started", operationName: `op-${++this.operations}` },
        ),
      poll: (_op: string, req: { outFile: string }) =>
        this.call(`video poll ${model}`, (): VideoPoll => {
          if (this.random.float() < 0.4) return { kind: "pending" };
          if (this.random.fault(this.odds.videoFails, `${model} generation fails`)) return this.videoFailure();
          return { kind: "video", file: req.outFile };
        }),
    });
    const length = this.random.int(3);
    return Array.from({ length }, (_, i) => ({
      model: `video-${i}`,
      tier: i === 0 ? ("primary" as const) : ("backup" as const),
      generator: generator(`video-${i}`),
      provider: "gemini" as const,
      ...(this.random.float() < 0.1 && { retiresOn: "2026-01-01" }),
    }));
  }

  private measurements(): ClipMeasurements {
    return {
      picture: { width: 1080, height: 1920, fps: 30, frames: 120, pictureDurationSec: 4, black: [], frozen: [] },
    };
  }

  private ffmpeg<T>(label: string, work: () => T): Promise<T> {
    return this.call(label, () => {
      if (this.random.fault(this.odds.unexpectedError, `${label} fails`)) throw new Error(`ffmpeg exited 1 (${label})`);
      return work();
    });
  }

  /**
   * Music is not simulated: the pad is never made (no step, no draw), so every run records its music as
   * none and assembly mixes nothing. The histories of the pipeline's own steps stay as they were.
   */
  readonly musicMixer: MusicMixer = {
    synthesizePad: () => Promise.reject(new Error("music is not simulated")),
    shapeBed: () => Promise.reject(new Error("music is not simulated")),
    duckBed: () => Promise.reject(new Error("music is not simulated")),
    measureUnderVoice: () => Promise.reject(new Error("music is not simulated")),
    mixGain: () => Promise.reject(new Error("music is not simulated")),
  };

  readonly media: ClipRenderer = {
    startFrame: (_image, outFile) => this.ffmpeg("start frame", () => outFile),
    kenBurns: (req) =>
      this.ffmpeg("ken burns", (): MeasuredClip => ({
        file: req.outFile,
        durationSec: 4,
        measurements: this.measurements(),
      })),
    normalize: (req) =>
      this.ffmpeg("normalize clip", (): MeasuredClip => {
        if (this.random.fault(this.odds.clipUnusable, "clip unusable")) throw new UnusableClipError("2 s of black");
        return { file: req.outFile, durationSec: 4, measurements: this.measurements() };
      }),
    measureClip: () => this.ffmpeg("measure clip", () => this.measurements()),
    assemble: (req) => this.ffmpeg("assemble", () => ({ file: req.outFile, durationSec: 8 })),
    fitVoice: (req) =>
      this.ffmpeg("fit voice", (): FittedVoice => ({
        file: req.outFile,
        tempo: 1,
        spokenSec: 3,
        measured: { integratedLufs: -16, truePeakDbtp: -3 },
        gainDb: 2,
        silences: [],
      })),
    checkFinishedVideo: () =>
      this.ffmpeg("quality gate", (): QualityCheck => {
        const failed = this.random.fault(this.odds.qualityFails, "quality gate fails the video");
        return {
          verdict: {
            passed: !failed,
            failures: failed ? [{ cause: this.random.pick(QUALITY_CAUSES), detail: "simulated" }] : [],
          },
          measurements: { readable: true, containerDurationSec: 8, measureMs: 1 },
        };
      }),
  };
}
