import { FallbackFaceDetector, LocalFaceDetector } from "../../src/preflight/faces";
import { CloudVisionFaceDetector, visionClientOptions } from "../../src/providers/cloud/visionFaces";
import { decodeUpload } from "../../src/preflight/imageFile";
import { fixture } from "../support/samples";
import { ONE_FACE, startVisionStandIn, type VisionStandIn } from "../../src/providers/standins/vision";

let standIn: VisionStandIn;
let vision: CloudVisionFaceDetector;

beforeEach(async () => {
  standIn = await startVisionStandIn();
  vision = new CloudVisionFaceDetector(standIn.options, 5_000);
});

afterEach(async () => {
  await vision.close();
  await standIn.close();
});

describe("CloudVisionFaceDetector against a Cloud Vision stand-in on 127.0.0.1", () => {
  it("sends one FACE_DETECTION request with the image as JPEG and maps the face annotation", async () => {
    const image = await decodeUpload(fixture("astronaut.png"));
    const result = await vision.detect(image);
    expect(result).toEqual({
      faces: 1,
      detector: "cloud-vision",
      boxes: [{ x: 100, y: 80, width: 200, height: 240, score: 0.98 }],
    });
    expect(standIn.requests).toHaveLength(1);
    const [request] = standIn.requests;
    expect(request.authorization).toBe("Bearer stand-in-token");
    expect(request.body.requests).toHaveLength(1);
    const [annotate] = request.body.requests;
    expect(annotate.features).toEqual([{ type: 1 }]); // FACE_DETECTION, int-encoded by the client
    expect(Buffer.from(annotate.image.content, "base64").subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it("reaches the endpoint the model configuration names (providers.vision.baseUrl), over REST", async () => {
    expect(visionClientOptions(undefined)).toEqual({});
    expect(visionClientOptions("https://vision-gateway.example.com")).toEqual({
      fallback: true,
      apiEndpoint: "vision-gateway.example.com",
      port: 443,
      protocol: "https",
    });
    const configured = new CloudVisionFaceDetector(
      { ...visionClientOptions(standIn.baseUrl), authClient: standIn.authClient },
      5_000,
    );
    try {
      const result = await configured.detect(await decodeUpload(fixture("astronaut.png")));
      expect(result.faces).toBe(1);
      expect(standIn.requests).toHaveLength(1);
    } finally {
      await configured.close();
    }
  });

  it("scales boxes back to full-size pixels when the upload was larger than the working copy", async () => {
    const sharp = (await import("sharp")).default;
    const big = await sharp(fixture("astronaut.png")).resize(2048).png().toBuffer();
    const result = await vision.detect(await decodeUpload(big));
    expect(result.boxes[0]).toEqual({ x: 200, y: 160, width: 400, height: 480, score: 0.98 });
  });

  it("reports no face when the API returns an empty response", async () => {
    standIn.answer(200, { responses: [{}] });
    expect(await vision.detect(await decodeUpload(fixture("coffee.png")))).toEqual({
      faces: 0,
      boxes: [],
      detector: "cloud-vision",
    });
  });

  it("throws a clear error on an HTTP error status, without retrying", async () => {
    standIn.answer(503, {
      error: { code: 503, message: "The service is currently unavailable.", status: "UNAVAILABLE" },
    });
    await expect(vision.detect(await decodeUpload(fixture("coffee.png")))).rejects.toThrow(
      /^Cloud Vision face detection failed: UNAVAILABLE \(code 14\): The service is currently unavailable/,
    );
    expect(standIn.requests).toHaveLength(1);
  });

  it("throws a clear error when the API reports a per-image error inside a 200 response", async () => {
    standIn.answer(200, { responses: [{ error: { code: 3, message: "Bad image data." } }] });
    await expect(vision.detect(await decodeUpload(fixture("coffee.png")))).rejects.toThrow(
      "Cloud Vision face detection failed: code 3 Bad image data.",
    );
  });
});

describe("FallbackFaceDetector", () => {
  it("answers with Cloud Vision while it works", async () => {
    const detector = new FallbackFaceDetector(vision, new LocalFaceDetector());
    const result = await detector.detect(await decodeUpload(fixture("coffee.png")));
    expect(result.detector).toBe("cloud-vision");
    expect(result.faces).toBe(ONE_FACE.responses[0].faceAnnotations.length);
  });

  it("falls back to the local detector when Cloud Vision fails, and says so", async () => {
    standIn.answer(403, {
      error: { code: 403, message: "Cloud Vision API has not been used in project 0.", status: "PERMISSION_DENIED" },
    });
    const detector = new FallbackFaceDetector(vision, new LocalFaceDetector());
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    const result = await detector.detect(await decodeUpload(fixture("camera.png")));
    expect(result).toMatchObject({ faces: 1, detector: "face-api-tiny (fallback: cloud-vision failed)" });
    expect(warn.mock.calls[0][0]).toContain("PERMISSION_DENIED");
    warn.mockRestore();
  });
});
