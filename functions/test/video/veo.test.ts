import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { SceneScript } from "../../src/contract/run";
import { runFfprobe } from "../../src/media/binaries";
import type { CallContext, SceneVideoRequest } from "../../src/providers/types";
import { createVeoVideoProvider, VeoVideoProvider } from "../../src/video/veo";
import type { VeoProviderOptions } from "../../src/video/veo";
import { startVeoStandin } from "../standins/veo";
import type { VeoScript, VeoStandin } from "../standins/veo";

const MODEL = "veo-3.1-generate-preview";
const API_KEY = "standin-key";
const IMAGE = join(__dirname, "..", "fixtures", "images", "rocket.jpg");
const CTX: CallContext = { runId: "run-veo", faults: {} };

let dir: string;
let standin: VeoStandin;
/** Stand-in behaviour per scene prompt; a prompt without an entry gets an immediate video. */
const scripts = new Map<string, VeoScript>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "veo-test-"));
  standin = await startVeoStandin({
    workDir: join(dir, "standin"),
    apiKey: API_KEY,
    models: [MODEL],
    script: (prompt) => scripts.get(prompt) ?? {},
  });
});

afterAll(async () => {
  await standin.close();
  await rm(dir, { recursive: true, force: true });
});

let sceneCounter = 0;

/** A request for a fresh scene whose prompt the stand-in answers with `script`. */
function sceneRequest(script: VeoScript, frame = { width: 1080, height: 1920 }, durationSec = 5): SceneVideoRequest {
  sceneCounter++;
  const scene: SceneScript = {
    title: `Scene ${sceneCounter}`,
    shot: "Slow push-in on the product on a marble counter",
    videoPrompt: `Scene ${sceneCounter}: the rocket lifts off slowly, cinematic light, product in focus`,
    narration: "Built to fly.",
    motion: "zoom_in",
    durationSec,
  };
  scripts.set(scene.videoPrompt, script);
  return {
    runId: CTX.runId,
    sceneIndex: sceneCounter - 1,
    scene,
    imageFile: IMAGE,
    outFile: join(dir, "out", `scene-${sceneCounter}.mp4`),
    ...frame,
  };
}

function provider(overrides: Partial<VeoProviderOptions> = {}): VeoVideoProvider {
  return new VeoVideoProvider({
    client: { apiKey: API_KEY, baseUrl: standin.baseUrl },
    model: MODEL,
    pollIntervalMs: 5,
    maxPollIntervalMs: 20,
    deadlineMs: 20_000,
    ...overrides,
  });
}

/** A clock that sleeping advances instantly: deadlines in minutes, tests in milliseconds. */
function fakeClock(): Pick<VeoProviderOptions, "now" | "sleep"> & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

function callsSince(before: VeoStandin["calls"]) {
  return {
    submit: standin.calls.submit - before.submit,
    poll: standin.calls.poll - before.poll,
    download: standin.calls.download - before.download,
  };
}

const ProbeSchema = z.object({
  streams: z.array(
    z.object({
      codec_type: z.string(),
      codec_name: z.string(),
      width: z.number().optional(),
      height: z.number().optional(),
    }),
  ),
  format: z.object({ duration: z.coerce.number() }),
});

async function probe(file: string) {
  const { stdout } = await runFfprobe(["-v", "error", "-show_streams", "-show_format", "-of", "json", file]);
  const parsed = ProbeSchema.parse(JSON.parse(stdout));
  const video = parsed.streams.find((stream) => stream.codec_type === "video");
  return { video, audio: parsed.streams.find((s) => s.codec_type === "audio"), durationSec: parsed.format.duration };
}

/** Decodes every frame: a clip that only has a valid header fails here. */
async function decodesCompletely(file: string): Promise<boolean> {
  const { stdout } = await runFfprobe([
    "-v",
    "error",
    "-count_frames",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=nb_read_frames",
    "-of",
    "csv=p=0",
    file,
  ]);
  return Number(stdout.trim()) > 0;
}

describe("VeoVideoProvider against the Veo stand-in", () => {
  it("renders a portrait scene: sends image-to-video as the API expects and writes a playable clip", async () => {
    const req = sceneRequest({ pendingPolls: 2 }, { width: 1080, height: 1920 }, 5);
    const before = { ...standin.calls };
    const firstRequest = standin.requests.length;

    const outcome = await provider().generate(req, CTX);

    expect(outcome).toEqual({
      kind: "video",
      clip: { file: req.outFile, durationSec: expect.any(Number) },
      model: MODEL,
      tier: "primary",
    });
    expect(callsSince(before)).toEqual({ submit: 1, poll: 3, download: 1 });

    const submit = standin.requests.slice(firstRequest).find((r) => r.method === "POST");
    expect(submit?.path).toBe(`/v1beta/models/${MODEL}:predictLongRunning`);
    expect(submit?.apiKey).toBe(API_KEY);
    expect(submit?.body).toEqual({
      instances: [
        {
          prompt: req.scene.videoPrompt,
          image: { bytesBase64Encoded: (await readFile(IMAGE)).toString("base64"), mimeType: "image/jpeg" },
        },
      ],
      parameters: { aspectRatio: "9:16", durationSeconds: 6, sampleCount: 1 },
    });

    const clip = await probe(req.outFile);
    expect(clip.video).toMatchObject({ codec_name: "h264", width: 270, height: 480 });
    expect(clip.audio?.codec_name).toBe("aac");
    expect(clip.durationSec).toBeGreaterThan(5.9);
    expect(clip.durationSec).toBeLessThan(6.2);
    expect(outcome.kind === "video" && outcome.clip.durationSec).toBeCloseTo(clip.durationSec, 3);
    expect(await decodesCompletely(req.outFile)).toBe(true);
    expect(existsSync(`${req.outFile}.part`)).toBe(false);
  });

  it("takes a video delivered inline as bytes, for a landscape 8 s scene", async () => {
    const req = sceneRequest({ result: { kind: "video", delivery: "bytes" } }, { width: 1920, height: 1080 }, 7.5);
    const before = { ...standin.calls };
    const firstRequest = standin.requests.length;

    const outcome = await provider().generate(req, CTX);

    expect(outcome.kind).toBe("video");
    expect(callsSince(before).download).toBe(0);
    const submit = standin.requests.slice(firstRequest).find((r) => r.method === "POST");
    expect(submit?.body).toMatchObject({ parameters: { aspectRatio: "16:9", durationSeconds: 8 } });
    const clip = await probe(req.outFile);
    expect(clip.video).toMatchObject({ width: 480, height: 270 });
    expect(clip.durationSec).toBeGreaterThan(7.9);
    expect(clip.durationSec).toBeLessThan(8.2);
  });

  it("sends personGeneration only when configured", async () => {
    const req = sceneRequest({});
    const firstRequest = standin.requests.length;
    await provider({ personGeneration: "allow_adult" }).generate(req, CTX);
    const submit = standin.requests.slice(firstRequest).find((r) => r.method === "POST");
    expect(submit?.body).toMatchObject({ parameters: { personGeneration: "allow_adult" } });
  });

  it("a person/celebrity filter is celebrity_detected, and no clip is written", async () => {
    const reason =
      "Veo could not generate videos because the input image violates Vertex AI's usage guidelines. If you think this was an error, send feedback. Support codes: 15236754";
    const req = sceneRequest({ pendingPolls: 1, result: { kind: "filtered", reasons: [reason] } });
    const outcome = await provider().generate(req, CTX);
    expect(outcome).toEqual({ kind: "filtered", reason: "celebrity_detected", detail: reason, model: MODEL });
    expect(existsSync(req.outFile)).toBe(false);
  });

  it("a celebrity filter worded without a support code is celebrity_detected", async () => {
    const reason = "The input image contains a photorealistic depiction of a celebrity.";
    const outcome = await provider().generate(sceneRequest({ result: { kind: "filtered", reasons: [reason] } }), CTX);
    expect(outcome).toMatchObject({ kind: "filtered", reason: "celebrity_detected" });
  });

  it("any other filter is safety_filter", async () => {
    const reason =
      "We encountered an issue with the audio for your prompt, which means we could not create your video. This can sometimes happen due to our safety filters or other processing issues. Please modify your request and try again. You have not been charged for this attempt.";
    const outcome = await provider().generate(sceneRequest({ result: { kind: "filtered", reasons: [reason] } }), CTX);
    expect(outcome).toEqual({ kind: "filtered", reason: "safety_filter", detail: reason, model: MODEL });
  });

  it("rate limits beyond the submit budget are rate_limited", async () => {
    const clock = fakeClock();
    const req = sceneRequest({ rateLimitedSubmits: 99 });
    const before = { ...standin.calls };
    const outcome = await provider({
      ...clock,
      submitRetries: 2,
      pollIntervalMs: 1000,
      maxPollIntervalMs: 8000,
    }).generate(req, CTX);
    expect(outcome).toEqual({
      kind: "rate_limited",
      detail: expect.stringContaining("HTTP 429: RESOURCE_EXHAUSTED"),
      model: MODEL,
    });
    expect(callsSince(before)).toEqual({ submit: 3, poll: 0, download: 0 });
    expect(clock.slept).toEqual([1000, 2000]);
  });

  it("a rate limit within the budget is waited out", async () => {
    const clock = fakeClock();
    const req = sceneRequest({ rateLimitedSubmits: 1 });
    const before = { ...standin.calls };
    const outcome = await provider({ ...clock, submitRetries: 2 }).generate(req, CTX);
    expect(outcome.kind).toBe("video");
    expect(callsSince(before).submit).toBe(2);
  });

  it("no submit retry is started that the deadline cannot wait for", async () => {
    const clock = fakeClock();
    const req = sceneRequest({ rateLimitedSubmits: 99 });
    const before = { ...standin.calls };
    const outcome = await provider({
      ...clock,
      submitRetries: 5,
      pollIntervalMs: 1000,
      maxPollIntervalMs: 8000,
      deadlineMs: 2500,
    }).generate(req, CTX);
    expect(outcome.kind).toBe("rate_limited");
    // Waits of 1 s then 2 s: the second would pass the 2.5 s deadline.
    expect(callsSince(before).submit).toBe(2);
  });

  it("rate limits while polling only cost polls", async () => {
    const req = sceneRequest({ rateLimitedPolls: 2, pendingPolls: 1 });
    const before = { ...standin.calls };
    const outcome = await provider().generate(req, CTX);
    expect(outcome.kind).toBe("video");
    expect(callsSince(before).poll).toBe(4);
  });

  it("an operation that ends in error is an error with the API's message", async () => {
    const req = sceneRequest({
      pendingPolls: 1,
      result: { kind: "error", code: 13, message: "Video generation failed." },
    });
    expect(await provider().generate(req, CTX)).toEqual({
      kind: "error",
      detail: "operation failed: code 13: Video generation failed.",
      model: MODEL,
    });
  });

  it("an unknown model is an error that says so", async () => {
    const outcome = await provider({ model: "veo-9.9-imaginary" }).generate(sceneRequest({}), CTX);
    expect(outcome.kind).toBe("error");
    expect(outcome.model).toBe("veo-9.9-imaginary");
    expect(outcome.kind === "error" && outcome.detail).toMatch(
      /^not found \(model or operation\): HTTP 404: NOT_FOUND/,
    );
  });

  it("a wrong API key is an auth/config error, not retried", async () => {
    const before = { ...standin.calls };
    const outcome = await new VeoVideoProvider({
      client: { apiKey: "wrong-key", baseUrl: standin.baseUrl },
      model: MODEL,
      pollIntervalMs: 5,
      maxPollIntervalMs: 5,
      deadlineMs: 1000,
    }).generate(sceneRequest({}), CTX);
    expect(outcome.kind === "error" && outcome.detail).toMatch(
      /^auth\/config: HTTP 400: INVALID_ARGUMENT.*API key not valid/,
    );
    expect(callsSince(before).submit).toBe(0);
  });

  it("an unreachable endpoint is a network error after the retry budget", async () => {
    const closed = await startVeoStandin({ workDir: join(dir, "closed") });
    const baseUrl = closed.baseUrl;
    await closed.close();
    const clock = fakeClock();
    const outcome = await new VeoVideoProvider({
      client: { apiKey: API_KEY, baseUrl },
      model: MODEL,
      pollIntervalMs: 10,
      maxPollIntervalMs: 10,
      deadlineMs: 1000,
      submitRetries: 1,
      ...clock,
    }).generate(sceneRequest({}), CTX);
    expect(outcome.kind === "error" && outcome.detail).toBe("network: fetch failed (ECONNREFUSED)");
    expect(clock.slept).toEqual([10]);
  });

  it("a download that is not a video is an error and leaves no file", async () => {
    const req = sceneRequest({ result: { kind: "video", delivery: "corrupt" } });
    const outcome = await provider().generate(req, CTX);
    expect(outcome).toEqual({
      kind: "error",
      detail: "the generated video is not a playable video file",
      model: MODEL,
    });
    expect(existsSync(req.outFile)).toBe(false);
    expect(existsSync(`${req.outFile}.part`)).toBe(false);
  });

  it("a scene image that is not JPEG, PNG or WebP is an error before any call", async () => {
    const req = { ...sceneRequest({}), imageFile: join(__dirname, "..", "fixtures", "images", "PROVENANCE.md") };
    const before = { ...standin.calls };
    expect(await provider().generate(req, CTX)).toEqual({
      kind: "error",
      detail: "scene image is not JPEG, PNG or WebP",
      model: MODEL,
    });
    expect(callsSince(before).submit).toBe(0);
  });

  it("answers pending with the operation name at the deadline, and resume finishes the scene", async () => {
    const clock = fakeClock();
    const req = sceneRequest({ pendingPolls: 3 });
    const started: string[] = [];
    const veo = provider({
      ...clock,
      pollIntervalMs: 10_000,
      maxPollIntervalMs: 20_000,
      deadlineMs: 30_000,
      onOperationStarted: (_req, name) => {
        started.push(name);
      },
    });
    const before = { ...standin.calls };

    const first = await veo.generate(req, CTX);

    expect(first).toEqual({
      kind: "pending",
      operationName: expect.stringMatching(new RegExp(`^models/${MODEL}/operations/[a-z0-9]+$`)),
      detail: "still rendering after 30000 ms of polling",
      model: MODEL,
    });
    if (first.kind !== "pending") throw new Error("unreachable");
    expect(started).toEqual([first.operationName]);
    // Waits of 10 s then 20 s reach the deadline; each is followed by a poll.
    expect(clock.slept).toEqual([10_000, 20_000]);
    expect(callsSince(before)).toEqual({ submit: 1, poll: 2, download: 0 });
    expect(existsSync(req.outFile)).toBe(false);

    const resumed = await veo.resume(first.operationName, req, CTX);

    expect(resumed).toMatchObject({ kind: "video", clip: { file: req.outFile }, tier: "primary" });
    // Poll 3 (at once) is still pending, poll 4 (10 s later) is done; no second submission.
    expect(callsSince(before)).toEqual({ submit: 1, poll: 4, download: 1 });
    expect(clock.slept).toEqual([10_000, 20_000, 10_000]);
    expect((await probe(req.outFile)).video?.codec_name).toBe("h264");
  });

  it("a poll that hangs is cut by the request timeout and counted as a failed poll", async () => {
    const clock = fakeClock();
    const req = sceneRequest({ pollDelayMs: 2000 });
    const before = { ...standin.calls };
    const outcome = await provider({
      ...clock,
      pollIntervalMs: 10_000,
      maxPollIntervalMs: 20_000,
      deadlineMs: 30_000,
      requestTimeoutMs: 100,
    }).generate(req, CTX);
    expect(outcome).toMatchObject({
      kind: "pending",
      detail: "still rendering after 30000 ms of polling (last poll: network: request aborted or timed out)",
    });
    expect(callsSince(before)).toMatchObject({ submit: 1, poll: 2 });
  });

  it("resuming an operation the API does not know is an error", async () => {
    const outcome = await provider().resume(`models/${MODEL}/operations/ffffffffffff`, sceneRequest({}), CTX);
    expect(outcome.kind === "error" && outcome.detail).toMatch(/^not found \(model or operation\): HTTP 404/);
  });

  it("resuming something that is not an operation name is a bug and throws", async () => {
    await expect(provider().resume("", sceneRequest({}), CTX)).rejects.toThrow(/not a Veo operation name/);
  });

  it("is built from the models config for the Gemini API backend", async () => {
    const veo = createVeoVideoProvider(MODEL, { backend: "gemini_api", baseUrl: standin.baseUrl }, API_KEY, {
      pollIntervalMs: 5,
      maxPollIntervalMs: 5,
    });
    const req = sceneRequest({ pendingPolls: 1 });
    expect(await veo.generate(req, CTX)).toMatchObject({ kind: "video", model: MODEL, clip: { file: req.outFile } });
  });

  it("refuses inconsistent polling options", () => {
    expect(() => provider({ pollIntervalMs: 100, maxPollIntervalMs: 10 })).toThrow(/maxPollIntervalMs/);
    expect(() => provider({ deadlineMs: 0 })).toThrow();
  });
});
