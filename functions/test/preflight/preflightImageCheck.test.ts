import sharp from "sharp";
import { PipelineFailure } from "../../src/contract/failure";
import { FallbackFaceDetector, LocalFaceDetector, type FaceDetector } from "../../src/preflight/faces";
import { CloudVisionFaceDetector } from "../../src/providers/cloud/visionFaces";
import {
  DEFAULT_BLUR_THRESHOLD,
  preflightImageCheck,
  preflightWarnings,
} from "../../src/preflight/preflightImageCheck";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { fixture, pngDeclaring, twoFaces, upscaledCoffee } from "../support/samples";
import { startVisionStandIn } from "../../src/providers/standins/vision";

const detector = new LocalFaceDetector();
const check = (bytes: Buffer) => preflightImageCheck(bytes, { detector });
const codes = (report: { warnings: { code: string }[] }) => report.warnings.map((w) => w.code);

describe("preflightImageCheck's hard floors (config/pipeline imageFloor) before any detector runs", () => {
  const settings = PipelineSettingsSchema.parse({});
  const framing = (floor = settings.imageFloor) => ({
    frame: { width: 1080, height: 1920 },
    gates: settings.framing,
    floor,
  });
  const counting = () => {
    const calls = { detect: 0 };
    const counted: FaceDetector = {
      name: "counting",
      detect: (image) => {
        calls.detect++;
        return detector.detect(image);
      },
    };
    return { calls, counted };
  };
  const solid = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: "#8a5a3c" } })
      .png()
      .toBuffer();

  it("a 1x1 image is refused uncharged, with the minimum in the message, and no detector sees it", async () => {
    const { calls, counted } = counting();
    const refused = await preflightImageCheck(await solid(1, 1), { detector: counted }, framing()).catch((e) => e);
    expect(refused).toBeInstanceOf(PipelineFailure);
    expect(refused).toMatchObject({
      stage: "preflight",
      requiresRefund: false,
      reason: "IMAGE_TOO_SMALL: 1x1: shortest side under 135, fewer than 32400 pixels",
    });
    expect(refused.userMessage).toMatch(
      /^The image is only 1 x 1 pixels, .* at least 135 pixels on its shortest side .* Nothing was charged\.$/,
    );
    expect(calls.detect).toBe(0);
  });

  it("the floor is the settings': raised to 300 px, coffee_lowres (240x160) is refused; at the defaults it passes", async () => {
    const raised = await preflightImageCheck(
      fixture("coffee_lowres.png"),
      { detector },
      framing({ minSide: 300, minPixels: 1 }),
    ).catch((e) => e);
    expect(raised).toMatchObject({ reason: "IMAGE_TOO_SMALL: 240x160: shortest side under 300" });
    await expect(preflightImageCheck(fixture("coffee_lowres.png"), { detector }, framing())).resolves.toMatchObject({
      width: 240,
    });
  });

  it("a 12000x135 strip passes the floors and is refused by the framing gates instead", async () => {
    const report = await preflightImageCheck(await solid(12_000, 135), { detector }, framing());
    expect(report).toMatchObject({ refused: true, safeToProceed: false, width: 12_000, height: 135 });
  });
});

describe("preflightImageCheck with the local detector", () => {
  it("astronaut.png: one face, a high warning, not safe to proceed", async () => {
    const report = await check(fixture("astronaut.png"));
    expect(report).toMatchObject({ safeToProceed: false, faces: 1, width: 512, height: 512, format: "png" });
    expect(report.detector).toBe("face-api-tiny");
    expect(report.warnings).toEqual([
      {
        severity: "high",
        code: "FACES_DETECTED",
        message:
          "We found a person's face in your image. Scenes with people are often refused by our video service " +
          "and then made as still pan-and-zoom animations instead.",
        recommendation: "For the best result, use a photo of the product alone, or an illustration without people.",
      },
    ]);
  });

  it("two faces (astronaut and camera composed side by side in the test) are counted", async () => {
    const report = await check(await twoFaces());
    expect(report.faces).toBe(2);
    expect(report.warnings[0].message).toMatch(/^We found 2 faces in your image\. /);
    expect(report.safeToProceed).toBe(false);
  });

  it("the cat and the coffee raise no face warning", async () => {
    for (const name of ["chelsea.png", "coffee.png"]) {
      const report = await check(fixture(name));
      expect({ name, faces: report.faces, codes: codes(report) }).toEqual({
        name,
        faces: 0,
        codes: ["LOW_RESOLUTION"],
      });
      expect(report.safeToProceed).toBe(true);
    }
  });

  it("coffee_lowres.png (240x160) is LOW_RESOLUTION, medium, still safe to proceed", async () => {
    const report = await check(fixture("coffee_lowres.png"));
    expect(codes(report)).toEqual(["LOW_RESOLUTION"]);
    expect(report.warnings[0].severity).toBe("medium");
    expect(report.warnings[0].message).toContain("160 px");
    expect(report.safeToProceed).toBe(true);
  });

  it("coffee_blur.png is BLURRY (and low resolution: it is 600x400)", async () => {
    const report = await check(fixture("coffee_blur.png"));
    expect(codes(report)).toEqual(["LOW_RESOLUTION", "BLURRY"]);
    expect(report.warnings.find((w) => w.code === "BLURRY")?.severity).toBe("medium");
    expect(report.safeToProceed).toBe(true);
  });

  it("a clean product image (coffee.png upscaled in the test to 1152x768) gets no warning at all", async () => {
    const report = await check(await upscaledCoffee());
    expect(report).toEqual({
      safeToProceed: true,
      warnings: [],
      faces: 0,
      width: 1152,
      height: 768,
      format: "png",
      detector: "face-api-tiny",
    });
  });

  it("reports oriented dimensions for an EXIF-rotated JPEG", async () => {
    const rotated = await sharp(await upscaledCoffee())
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const report = await check(rotated);
    expect([report.width, report.height, report.format]).toEqual([768, 1152, "jpeg"]);
  });

  it("throws PipelineFailure (no report, no refund needed) for hostile files", async () => {
    const png = fixture("coffee.png");
    const cases: [Buffer, string][] = [
      [png.subarray(0, png.length / 2), "CORRUPT_IMAGE"],
      [Buffer.from("just some text\n"), "NOT_AN_IMAGE"],
      [Buffer.alloc(0), "EMPTY_FILE"],
      [pngDeclaring(50_000, 50_000), "DECOMPRESSION_BOMB"],
      [await sharp(png).gif().toBuffer(), "UNSUPPORTED_FORMAT"],
    ];
    for (const [bytes, code] of cases) {
      const error = await check(bytes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PipelineFailure);
      expect({ code, reason: (error as PipelineFailure).reason.split(":")[0] }).toEqual({ code, reason: code });
      expect((error as PipelineFailure).requiresRefund).toBe(false);
    }
  });
});

describe("preflightImageCheck with Cloud Vision first", () => {
  it("records that the local detector answered when Cloud Vision failed", async () => {
    const standIn = await startVisionStandIn();
    standIn.answer(500, { error: { code: 500, message: "Internal error encountered.", status: "INTERNAL" } });
    const vision = new CloudVisionFaceDetector(standIn.options, 5_000);
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const report = await preflightImageCheck(fixture("astronaut.png"), {
        detector: new FallbackFaceDetector(vision, detector),
      });
      expect(report).toMatchObject({ faces: 1, safeToProceed: false });
      expect(report.detector).toBe("face-api-tiny (fallback: cloud-vision failed)");
      expect(standIn.requests).toHaveLength(1);
    } finally {
      warn.mockRestore();
      await vision.close();
      await standIn.close();
    }
  });
});

describe("preflightWarnings", () => {
  it("puts the blur threshold where the calibration says: between the blurred and the sharp coffee", () => {
    const sharpEnough = { faces: 0, width: 1000, height: 1000, sharpness: DEFAULT_BLUR_THRESHOLD };
    expect(preflightWarnings(sharpEnough)).toEqual([]);
    expect(preflightWarnings({ ...sharpEnough, sharpness: DEFAULT_BLUR_THRESHOLD - 1 }).map((w) => w.code)).toEqual([
      "BLURRY",
    ]);
    expect(preflightWarnings({ ...sharpEnough, width: 511 }).map((w) => w.code)).toEqual(["LOW_RESOLUTION"]);
  });
});
