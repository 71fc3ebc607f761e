import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { runFfprobe } from "../../src/ffmpeg/binaries";
import type { CallContext, SceneVideoRequest, VideoPoll, VideoSubmission } from "../../src/contract/providers";
import { OmniVideoGenerator, type OmniGeneratorOptions } from "../../src/providers/cloud/omni";
import { INTERACTIONS_API_VERSION } from "../../src/video/omniRules";
import { startOmniStandin, type OmniScript, type OmniStandin } from "../../src/providers/standins/omni";
import { SCENE_IMAGE, sceneRequests } from "./sceneRequests";

const MODEL = "gemini-omni-1.1-flash";
const API_KEY = "standin-gemini-key";
const CTX: CallContext = { runId: "run-omni", faults: {} };

let dir: string;
let standin: OmniStandin;
/** Stand-in behaviour per scene prompt; a prompt without an entry gets an immediate video. */
const scripts = new Map<string, OmniScript>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "omni-test-"));
  standin = await startOmniStandin({
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

/** A request for a fresh scene whose prompt the stand-in answers with `script`. */
const sceneRequest = sceneRequests<OmniScript>(CTX.runId, scripts, () => dir);

function generator(overrides: Partial<OmniGeneratorOptions> = {}): OmniVideoGenerator {
  return new OmniVideoGenerator({ client: { apiKey: API_KEY, baseUrl: standin.baseUrl }, model: MODEL, ...overrides });
}

/** Submits, then polls (as later task deliveries would) until the generation is no longer pending. */
async function generate(omni: OmniVideoGenerator, req: SceneVideoRequest): Promise<VideoSubmission | VideoPoll> {
  const submitted = await omni.submit(req, CTX);
  if (submitted.kind !== "started") return submitted;
  for (let poll = 0; poll < 20; poll++) {
    const result = await omni.poll(submitted.operationName, req, CTX);
    if (result.kind !== "pending") return result;
  }
  throw new Error("still pending after 20 polls");
}

function callsSince(before: OmniStandin["calls"]) {
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
      r_frame_rate: z.string().optional(),
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

describe("OmniVideoGenerator against the Interactions API stand-in", () => {
  it("creates a background image-to-video interaction, polls it with one request each time, and writes the clip", async () => {
    const req = sceneRequest({ pendingPolls: 2 }, { width: 1080, height: 1920 }, 5);
    const before = { ...standin.calls };
    const firstRequest = standin.requests.length;
    const omni = generator();

    const submitted = await omni.submit(req, CTX);
    expect(submitted).toEqual({ kind: "started", operationName: expect.stringMatching(/^v1_[0-9a-f]{16}$/) });
    if (submitted.kind !== "started") throw new Error("unreachable");
    expect(callsSince(before)).toEqual({ submit: 1, poll: 0, download: 0 });
    expect(await omni.poll(submitted.operationName, req, CTX)).toEqual({ kind: "pending" });
    expect(await omni.poll(submitted.operationName, req, CTX)).toEqual({ kind: "pending" });
    expect(existsSync(req.outFile)).toBe(false);
    expect(await omni.poll(submitted.operationName, req, CTX)).toEqual({ kind: "video", file: req.outFile });
    expect(callsSince(before)).toEqual({ submit: 1, poll: 3, download: 0 });

    const [create, ...polls] = standin.requests.slice(firstRequest);
    expect(create).toMatchObject({ method: "POST", path: "/v1/interactions", apiKey: API_KEY });
    expect(create.body).toEqual({
      model: MODEL,
      background: true,
      input: [
        { type: "image", data: (await readFile(SCENE_IMAGE)).toString("base64"), mime_type: "image/jpeg" },
        { type: "text", text: req.scene.videoPrompt },
      ],
      generation_config: { video_config: { task: "image_to_video" } },
      response_format: { type: "video", aspect_ratio: "9:16", duration: "5s", resolution: "720p" },
    });
    expect(polls.map((p) => `${p.method} ${p.path}`)).toEqual(
      Array(3).fill(`GET /v1/interactions/${submitted.operationName}`),
    );

    const clip = await probe(req.outFile);
    expect(clip.video).toMatchObject({ codec_name: "h264", width: 270, height: 480, r_frame_rate: "24/1" });
    expect(clip.audio?.codec_name).toBe("aac");
    expect(clip.durationSec).toBeGreaterThan(4.9);
    expect(clip.durationSec).toBeLessThan(5.2);
    expect(existsSync(`${req.outFile}.part`)).toBe(false);
  });

  it("asks for a landscape clip for a square frame, and at most 10 s for a long scene", async () => {
    const req = sceneRequest({}, { width: 1080, height: 1080 }, 12.5);
    const firstRequest = standin.requests.length;
    expect(await generate(generator(), req)).toEqual({ kind: "video", file: req.outFile });
    expect(standin.requests[firstRequest].body).toMatchObject({
      response_format: { aspect_ratio: "16:9", duration: "10s" },
    });
    const clip = await probe(req.outFile);
    expect(clip.video).toMatchObject({ width: 480, height: 270 });
    expect(clip.durationSec).toBeGreaterThan(9.9);
  });

  it("downloads a clip delivered as a Files API URI, with the API key", async () => {
    const req = sceneRequest({ result: { kind: "video", delivery: "uri" } }, { width: 1920, height: 1080 }, 3.2);
    const before = { ...standin.calls };
    const firstRequest = standin.requests.length;
    expect(await generate(generator(), req)).toEqual({ kind: "video", file: req.outFile });
    expect(callsSince(before)).toEqual({ submit: 1, poll: 1, download: 1 });
    const fetched = standin.requests.slice(firstRequest).find((r) => r.path.includes("/files/"));
    expect(fetched).toMatchObject({ method: "GET", apiKey: API_KEY });
    const clip = await probe(req.outFile);
    expect(clip.video).toMatchObject({ codec_name: "h264", width: 480, height: 270 });
    expect(clip.durationSec).toBeGreaterThan(3.9);
    expect(clip.durationSec).toBeLessThan(4.2);
  });

  it("is done only after its generation time, however often it is polled", async () => {
    const req = sceneRequest({ generationMs: 400 });
    const omni = generator();
    const submitted = await omni.submit(req, CTX);
    if (submitted.kind !== "started") throw new Error(`not started: ${submitted.kind}`);
    expect(await omni.poll(submitted.operationName, req, CTX)).toEqual({ kind: "pending" });
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await omni.poll(submitted.operationName, req, CTX)).toEqual({ kind: "video", file: req.outFile });
  });

  it("a model the API does not know is not_found, so the chain moves on", async () => {
    const outcome = await generator({ model: "gemini-omni-9.9-imaginary" }).submit(sceneRequest({}), CTX);
    expect(outcome).toMatchObject({ kind: "error", errorClass: "not_found" });
    expect(outcome.kind === "error" && outcome.detail).toMatch(
      /^not found \(model or operation\): HTTP 404: NOT_FOUND/,
    );
  });

  it("a rate-limited creation is rate_limited after exactly one request: the SDK's own retries are off", async () => {
    const req = sceneRequest({ failingSubmits: { count: 99, httpStatus: 429 } });
    const before = { ...standin.calls };
    expect(await generator().submit(req, CTX)).toEqual({
      kind: "rate_limited",
      detail: expect.stringContaining("HTTP 429: RESOURCE_EXHAUSTED"),
    });
    expect(callsSince(before)).toEqual({ submit: 1, poll: 0, download: 0 });
  });

  it("a creation answered 500 is a transient provider error after one request", async () => {
    const req = sceneRequest({ failingSubmits: { count: 99, httpStatus: 500 } });
    const before = { ...standin.calls };
    expect(await generator().submit(req, CTX)).toEqual({
      kind: "error",
      errorClass: "transient",
      detail: expect.stringContaining("HTTP 500: INTERNAL"),
    });
    expect(callsSince(before).submit).toBe(1);
  });

  it("a safety block is filtered with its reason: a person block is celebrity_detected, others safety_filter", async () => {
    const person =
      "The request was blocked by our safety filters: the input image contains a prominent person. Try a different image.";
    expect(
      await generate(generator(), sceneRequest({ result: { kind: "failed", errors: [{ message: person }] } })),
    ).toEqual({ kind: "filtered", reason: "celebrity_detected", detail: `interaction failed: ${person}` });
    const violence = "Video generation was blocked because the prompt violates the usage guidelines (violence).";
    expect(
      await generate(
        generator(),
        sceneRequest({ pendingPolls: 1, result: { kind: "failed", errors: [{ message: violence }] } }),
      ),
    ).toMatchObject({ kind: "filtered", reason: "safety_filter" });
    const blockedAtOnce = "The input image violates our policies on prohibited content.";
    expect(await generator().submit(sceneRequest({ blockedSubmit: blockedAtOnce }), CTX)).toEqual({
      kind: "filtered",
      reason: "safety_filter",
      detail: expect.stringContaining(blockedAtOnce),
    });
  });

  it("a failed interaction carries the API's fault; an internal one is transient, a cancelled one an error", async () => {
    const req = sceneRequest({
      result: { kind: "failed", errors: [{ code: "INTERNAL", message: "Video generation failed." }] },
    });
    expect(await generate(generator(), req)).toEqual({
      kind: "error",
      errorClass: "transient",
      detail: "interaction failed: INTERNAL: Video generation failed.",
    });
    expect(existsSync(req.outFile)).toBe(false);
    expect(await generate(generator(), sceneRequest({ result: { kind: "cancelled" } }))).toEqual({
      kind: "error",
      errorClass: "unknown",
      detail: "interaction ended cancelled without a video",
    });
  });

  it("a poll that fails in transit (429, 503, a timeout) is still pending: the generation goes on", async () => {
    const req = sceneRequest({ failingPolls: { count: 1, httpStatus: 429 } });
    const omni = generator();
    const submitted = await omni.submit(req, CTX);
    if (submitted.kind !== "started") throw new Error(`not started: ${submitted.kind}`);
    expect(await omni.poll(submitted.operationName, req, CTX)).toEqual({
      kind: "pending",
      detail: expect.stringContaining("poll failed: HTTP 429"),
    });
    expect(await omni.poll(submitted.operationName, req, CTX)).toEqual({ kind: "video", file: req.outFile });

    const unavailable = sceneRequest({ failingPolls: { count: 1, httpStatus: 503 } });
    const started = await omni.submit(unavailable, CTX);
    if (started.kind !== "started") throw new Error(`not started: ${started.kind}`);
    expect(await omni.poll(started.operationName, unavailable, CTX)).toEqual({
      kind: "pending",
      detail: expect.stringContaining("poll failed: HTTP 503: UNAVAILABLE"),
    });

    // Started with the ordinary deadline (a loaded machine may take more than 100 ms to answer the
    // start); only the poll, held 2 s by the stand-in, meets the short one.
    const slow = sceneRequest({ pollDelayMs: 2000 });
    const hasty = generator({ requestTimeoutMs: 100 });
    const slowStart = await omni.submit(slow, CTX);
    if (slowStart.kind !== "started") throw new Error(`not started: ${slowStart.kind}`);
    expect(await hasty.poll(slowStart.operationName, slow, CTX)).toEqual({
      kind: "pending",
      detail: "poll failed: network: request aborted or timed out",
    });
  });

  it("calls the Interactions API on v1, the version Google serves it GA on; another version is a 404 (not_found)", async () => {
    expect(INTERACTIONS_API_VERSION).toBe("v1");
    const firstRequest = standin.requests.length;
    const outcome = await new OmniVideoGenerator({
      client: { apiKey: API_KEY, baseUrl: standin.baseUrl, apiVersion: "v1beta" },
      model: MODEL,
    }).submit(sceneRequest({}), CTX);
    expect(outcome).toMatchObject({ kind: "error", errorClass: "not_found" });
    expect(standin.requests.slice(firstRequest).map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1beta/interactions",
    ]);
  });

  it("a wrong API key is auth_config", async () => {
    const outcome = await new OmniVideoGenerator({
      client: { apiKey: "wrong-key", baseUrl: standin.baseUrl },
      model: MODEL,
    }).submit(sceneRequest({}), CTX);
    expect(outcome).toMatchObject({ kind: "error", errorClass: "auth_config" });
  });

  it("an unreachable endpoint is a transient network error", async () => {
    const closed = await startOmniStandin({ workDir: join(dir, "closed"), apiKey: API_KEY });
    await closed.close();
    const outcome = await new OmniVideoGenerator({
      client: { apiKey: API_KEY, baseUrl: closed.baseUrl },
      model: MODEL,
    }).submit(sceneRequest({}), CTX);
    expect(outcome).toMatchObject({ kind: "error", errorClass: "transient" });
    expect(outcome.kind === "error" && outcome.detail).toMatch(/^network: fetch failed/);
  });

  it("a clip that is not one is still written whole (normalisation refuses it); an empty one is invalid_output", async () => {
    const corrupt = sceneRequest({ result: { kind: "video", delivery: "corrupt" } });
    expect(await generate(generator(), corrupt)).toEqual({ kind: "video", file: corrupt.outFile });
    expect((await readFile(corrupt.outFile)).toString()).toBe("<html>not a video</html>");
    const empty = sceneRequest({ result: { kind: "video", delivery: "empty" } });
    expect(await generate(generator(), empty)).toEqual({
      kind: "error",
      errorClass: "invalid_output",
      detail: "interaction completed without a video",
    });
    expect(existsSync(empty.outFile)).toBe(false);
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

  it("polling an interaction the API does not know is not_found; an id that is no interaction id throws", async () => {
    const outcome = await generator().poll("v1_ffffffffffffffff", sceneRequest({}), CTX);
    expect(outcome).toMatchObject({ kind: "error", errorClass: "not_found" });
    const before = { ...standin.calls };
    for (const bad of ["", "../models", "v1_abc/cancel", "v1 abc", "v1_abc?x=1"]) {
      await expect(generator().poll(bad, sceneRequest({}), CTX)).rejects.toThrow(/not an interaction id/);
    }
    expect(callsSince(before).poll).toBe(0);
  });
});
