import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { runFfprobe } from "../../src/ffmpeg/binaries";
import type { CallContext, SceneVideoRequest, VideoPoll, VideoSubmission } from "../../src/contract/providers";
import { VeoVideoGenerator, type VeoGeneratorOptions } from "../../src/providers/cloud/veo";
import {
  STANDIN_LOCATION,
  STANDIN_PROJECT,
  standinClient,
  startVeoStandin,
  type VeoScript,
  type VeoStandin,
} from "../../src/providers/standins/veo";
import { SCENE_IMAGE, sceneRequests } from "./sceneRequests";

const MODEL = "veo-3.1-generate-001";
const TOKEN = "standin-token";
const CTX: CallContext = { runId: "run-veo", faults: {} };

let dir: string;
let standin: VeoStandin;
/** Stand-in behaviour per scene prompt; a prompt without an entry gets an immediate video. */
const scripts = new Map<string, VeoScript>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "veo-test-"));
  standin = await startVeoStandin({
    workDir: join(dir, "standin"),
    accessToken: TOKEN,
    models: [MODEL],
    script: (prompt) => scripts.get(prompt) ?? {},
  });
});

afterAll(async () => {
  await standin.close();
  await rm(dir, { recursive: true, force: true });
});

/** A request for a fresh scene whose prompt the stand-in answers with `script`. */
const sceneRequest = sceneRequests<VeoScript>(CTX.runId, scripts, () => dir);

function generator(overrides: Partial<VeoGeneratorOptions> = {}): VeoVideoGenerator {
  return new VeoVideoGenerator({ client: { ai: standinClient(standin) }, model: MODEL, ...overrides });
}

/** Submits, then polls (as later task deliveries would) until the generation is no longer pending. */
async function generate(veo: VeoVideoGenerator, req: SceneVideoRequest): Promise<VideoSubmission | VideoPoll> {
  const submitted = await veo.submit(req, CTX);
  if (submitted.kind !== "started") return submitted;
  for (let poll = 0; poll < 20; poll++) {
    const result = await veo.poll(submitted.operationName, req, CTX);
    if (result.kind !== "pending") return result;
  }
  throw new Error("still pending after 20 polls");
}

function callsSince(before: VeoStandin["calls"]) {
  return { submit: standin.calls.submit - before.submit, poll: standin.calls.poll - before.poll };
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

describe("VeoVideoGenerator against the Veo stand-in", () => {
  it("submits image-to-video as the API expects, then each poll is one request, and the clip is downloaded", async () => {
    const req = sceneRequest({ pendingPolls: 2 }, { width: 1080, height: 1920 }, 5);
    const before = { ...standin.calls };
    const firstRequest = standin.requests.length;
    const veo = generator();

    const submitted = await veo.submit(req, CTX);
    expect(submitted).toEqual({
      kind: "started",
      operationName: expect.stringMatching(
        new RegExp(
          `^projects/${STANDIN_PROJECT}/locations/${STANDIN_LOCATION}/publishers/google/models/${MODEL}/operations/[a-z0-9]+$`,
        ),
      ),
    });
    if (submitted.kind !== "started") throw new Error("unreachable");
    expect(callsSince(before)).toEqual({ submit: 1, poll: 0 });
    expect(await veo.poll(submitted.operationName, req, CTX)).toEqual({ kind: "pending" });
    expect(await veo.poll(submitted.operationName, req, CTX)).toEqual({ kind: "pending" });
    expect(existsSync(req.outFile)).toBe(false);
    expect(await veo.poll(submitted.operationName, req, CTX)).toEqual({ kind: "video", file: req.outFile });
    expect(callsSince(before)).toEqual({ submit: 1, poll: 3 });

    const submit = standin.requests.slice(firstRequest).find((r) => r.method === "POST");
    expect(submit?.path).toBe(
      `/v1beta1/projects/${STANDIN_PROJECT}/locations/${STANDIN_LOCATION}/publishers/google/models/${MODEL}:predictLongRunning`,
    );
    expect(submit?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(submit?.body).toEqual({
      instances: [
        {
          prompt: req.scene.videoPrompt,
          image: { bytesBase64Encoded: (await readFile(SCENE_IMAGE)).toString("base64"), mimeType: "image/jpeg" },
        },
      ],
      parameters: { aspectRatio: "9:16", durationSeconds: 6, sampleCount: 1 },
    });

    const clip = await probe(req.outFile);
    expect(clip.video).toMatchObject({ codec_name: "h264", width: 270, height: 480 });
    expect(clip.audio?.codec_name).toBe("aac");
    expect(clip.durationSec).toBeGreaterThan(5.9);
    expect(clip.durationSec).toBeLessThan(6.2);
    expect(await decodesCompletely(req.outFile)).toBe(true);
    expect(existsSync(`${req.outFile}.part`)).toBe(false);
  });

  it("asks for a landscape 8 s clip for a long landscape scene", async () => {
    const req = sceneRequest({}, { width: 1920, height: 1080 }, 7.5);
    const firstRequest = standin.requests.length;
    expect(await generate(generator(), req)).toEqual({ kind: "video", file: req.outFile });
    const submit = standin.requests.slice(firstRequest).find((r) => r.method === "POST");
    expect(submit?.body).toMatchObject({ parameters: { aspectRatio: "16:9", durationSeconds: 8 } });
    const clip = await probe(req.outFile);
    expect(clip.video).toMatchObject({ width: 480, height: 270 });
    expect(clip.durationSec).toBeGreaterThan(7.9);
  });

  it("sends personGeneration only when configured", async () => {
    const req = sceneRequest({});
    const firstRequest = standin.requests.length;
    await generator({ personGeneration: "allow_adult" }).submit(req, CTX);
    const submit = standin.requests.slice(firstRequest).find((r) => r.method === "POST");
    expect(submit?.body).toMatchObject({ parameters: { personGeneration: "allow_adult" } });
  });

  it("a person/celebrity filter is celebrity_detected, and no clip is written", async () => {
    const reason =
      "Veo could not generate videos because the input image violates Vertex AI's usage guidelines. If you think this was an error, send feedback. Support codes: 15236754";
    const req = sceneRequest({ pendingPolls: 1, result: { kind: "filtered", reasons: [reason] } });
    expect(await generate(generator(), req)).toEqual({
      kind: "filtered",
      reason: "celebrity_detected",
      detail: reason,
    });
    expect(existsSync(req.outFile)).toBe(false);
  });

  it("a celebrity filter worded without a support code is celebrity_detected; any other filter is safety_filter", async () => {
    const celebrity = "The input image contains a photorealistic depiction of a celebrity.";
    expect(
      await generate(generator(), sceneRequest({ result: { kind: "filtered", reasons: [celebrity] } })),
    ).toMatchObject({ kind: "filtered", reason: "celebrity_detected" });
    const audio =
      "We encountered an issue with the audio for your prompt, which means we could not create your video. This can sometimes happen due to our safety filters or other processing issues. Please modify your request and try again. You have not been charged for this attempt.";
    expect(await generate(generator(), sceneRequest({ result: { kind: "filtered", reasons: [audio] } }))).toEqual({
      kind: "filtered",
      reason: "safety_filter",
      detail: audio,
    });
  });

  it("a rate-limited submission is rate_limited, after one request (the scene decides when to try again)", async () => {
    const req = sceneRequest({ rateLimitedSubmits: 99 });
    const before = { ...standin.calls };
    expect(await generator().submit(req, CTX)).toEqual({
      kind: "rate_limited",
      detail: expect.stringContaining("HTTP 429: RESOURCE_EXHAUSTED"),
    });
    expect(callsSince(before)).toEqual({ submit: 1, poll: 0 });
  });

  it("a poll that is rate limited or hangs is still pending: the generation goes on", async () => {
    const req = sceneRequest({ rateLimitedPolls: 1 });
    const veo = generator();
    const submitted = await veo.submit(req, CTX);
    if (submitted.kind !== "started") throw new Error(`not started: ${submitted.kind}`);
    expect(await veo.poll(submitted.operationName, req, CTX)).toEqual({
      kind: "pending",
      detail: expect.stringContaining("poll failed: HTTP 429"),
    });
    expect(await veo.poll(submitted.operationName, req, CTX)).toEqual({ kind: "video", file: req.outFile });

    const slow = sceneRequest({ pollDelayMs: 2000 });
    const hasty = generator({ requestTimeoutMs: 100 });
    const started = await hasty.submit(slow, CTX);
    if (started.kind !== "started") throw new Error(`not started: ${started.kind}`);
    expect(await hasty.poll(started.operationName, slow, CTX)).toEqual({
      kind: "pending",
      detail: "poll failed: network: request aborted or timed out",
    });
  });

  it("is done only after its generation time, however often it is polled", async () => {
    const req = sceneRequest({ generationMs: 400 });
    const veo = generator();
    const submitted = await veo.submit(req, CTX);
    if (submitted.kind !== "started") throw new Error(`not started: ${submitted.kind}`);
    expect(await veo.poll(submitted.operationName, req, CTX)).toEqual({ kind: "pending" });
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await veo.poll(submitted.operationName, req, CTX)).toEqual({ kind: "video", file: req.outFile });
  });

  it("an operation that ends in error carries the API's message; INTERNAL is transient", async () => {
    const req = sceneRequest({
      pendingPolls: 1,
      result: { kind: "error", code: 13, message: "Video generation failed." },
    });
    expect(await generate(generator(), req)).toEqual({
      kind: "error",
      errorClass: "transient",
      detail: "operation failed: code 13: Video generation failed.",
    });
  });

  it("an unknown model is not_found; a bad token is auth_config, refused before the model is asked", async () => {
    const missing = await generator({ model: "veo-9.9-imaginary" }).submit(sceneRequest({}), CTX);
    expect(missing).toMatchObject({ kind: "error", errorClass: "not_found" });
    expect(missing.kind === "error" && missing.detail).toMatch(
      /^not found \(model or operation\): HTTP 404: NOT_FOUND/,
    );
    const before = { ...standin.calls };
    const wrongKey = await new VeoVideoGenerator({
      client: { ai: standinClient(standin, "expired-token") },
      model: MODEL,
    }).submit(sceneRequest({}), CTX);
    expect(wrongKey).toMatchObject({ kind: "error", errorClass: "auth_config" });
    expect(wrongKey.kind === "error" && wrongKey.detail).toMatch(/^auth\/config: HTTP 401: UNAUTHENTICATED/);
    expect(callsSince(before).submit).toBe(0);
  });

  it("an unreachable endpoint is a transient network error", async () => {
    const closed = await startVeoStandin({ workDir: join(dir, "closed"), accessToken: TOKEN });
    await closed.close();
    const outcome = await new VeoVideoGenerator({ client: { ai: standinClient(closed) }, model: MODEL }).submit(
      sceneRequest({}),
      CTX,
    );
    expect(outcome).toEqual({ kind: "error", errorClass: "transient", detail: "network: fetch failed (ECONNREFUSED)" });
  });

  it("a video in a bucket (gs://) cannot be fetched: invalid_output", async () => {
    const req = sceneRequest({ result: { kind: "video", delivery: "gcs" } });
    expect(await generate(generator(), req)).toMatchObject({ kind: "error", errorClass: "invalid_output" });
  });

  it("a video that is not one is still written whole: normalisation refuses it", async () => {
    const req = sceneRequest({ result: { kind: "video", delivery: "corrupt" } });
    expect(await generate(generator(), req)).toEqual({ kind: "video", file: req.outFile });
    expect((await readFile(req.outFile)).toString()).toBe("<html>not a video</html>");
  });

  it("a scene image that is not JPEG, PNG or WebP is an error before any call", async () => {
    const req = { ...sceneRequest({}), imageFile: join(__dirname, "..", "fixtures", "images", "PROVENANCE.md") };
    const before = { ...standin.calls };
    expect(await generator().submit(req, CTX)).toEqual({
      kind: "error",
      errorClass: "invalid_output",
      detail: "scene image is not JPEG, PNG or WebP",
    });
    expect(callsSince(before).submit).toBe(0);
  });

  it("polling an operation the API does not know is not_found; a name that is no operation name throws", async () => {
    const unknown = `projects/${STANDIN_PROJECT}/locations/${STANDIN_LOCATION}/publishers/google/models/${MODEL}/operations/ffffffffffff`;
    const outcome = await generator().poll(unknown, sceneRequest({}), CTX);
    expect(outcome).toMatchObject({ kind: "error", errorClass: "not_found" });
    await expect(generator().poll("", sceneRequest({}), CTX)).rejects.toThrow(/not a Veo operation name/);
  });
});
