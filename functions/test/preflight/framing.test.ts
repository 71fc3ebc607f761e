import sharp from "sharp";
import { frameSize } from "../../src/media/clip";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { measureFraming, productBox } from "../../src/preflight/framing";
import { LocalFaceDetector } from "../../src/preflight/faces";
import { framingWarnings, preflightImageCheck, shapeOf } from "../../src/preflight/preflightImageCheck";
import { fixture, photoStrip, upscaledCoffee } from "../support/samples";

const gates = PipelineSettingsSchema.parse({}).framing;
const portrait = { frame: frameSize("9:16"), gates };
const detector = new LocalFaceDetector();
const check = (bytes: Buffer, aspect: "9:16" | "16:9" | "1:1" = "9:16") =>
  preflightImageCheck(bytes, { detector }, { frame: frameSize(aspect), gates });
const codes = (report: { warnings: { code: string }[] }) => report.warnings.map((w) => w.code);

/** coffee.png shrunk to `side` px in the middle of a plain white 1080x1920 canvas. */
async function smallProductOnWhite(side: number): Promise<Buffer> {
  const product = await sharp(fixture("coffee.png")).resize({ width: side, height: side, fit: "inside" }).toBuffer();
  return sharp({ create: { width: 1080, height: 1920, channels: 3, background: "#ffffff" } })
    .composite([{ input: product, gravity: "centre" }])
    .removeAlpha()
    .png()
    .toBuffer();
}

describe("framing geometry", () => {
  it("fill is the frame share of the fitted image and the share a cover crop keeps", () => {
    expect(measureFraming({ width: 1080, height: 1920 }, frameSize("9:16")).fill).toBeCloseTo(1, 6);
    expect(measureFraming({ width: 1000, height: 1000 }, frameSize("9:16")).fill).toBeCloseTo(0.5625, 6);
    expect(measureFraming({ width: 1920, height: 1080 }, frameSize("9:16")).fill).toBeCloseTo(0.3164, 4);
    expect(measureFraming({ width: 8000, height: 100 }, frameSize("9:16")).fill).toBeCloseTo(0.5625 / 80, 6);
    expect(measureFraming({ width: 8000, height: 100 }, frameSize("16:9")).fill).toBeCloseTo(1.7778 / 80, 4);
  });

  it("product share follows the motion card: a square fills 720x720 of 1080x1920, a strip a hairline", () => {
    expect(measureFraming({ width: 1000, height: 1000 }, frameSize("9:16")).productShare).toBeCloseTo(0.25, 3);
    const hairline = measureFraming({ width: 8000, height: 100 }, frameSize("9:16"));
    expect(hairline.productShare).toBeCloseTo((720 * 9) / (1080 * 1920), 6);
    const boxed = measureFraming({ width: 1000, height: 1000 }, frameSize("9:16"), {
      x: 0.4,
      y: 0.4,
      width: 0.2,
      height: 0.2,
    });
    expect(boxed.productShare).toBeCloseTo(0.01, 3);
  });

  it("describes shapes as people write them", () => {
    expect([shapeOf(8000, 100), shapeOf(1080, 1920), shapeOf(1920, 1080), shapeOf(1200, 1600)]).toEqual([
      "80:1",
      "9:16",
      "16:9",
      "1:1.3",
    ]);
  });

  it("warnings: 3:1 is held for confirmation, 6:1 and 80:1 are refused, 1:1 and 16:9 pass", () => {
    const at = (width: number, height: number) =>
      framingWarnings({ ...measureFraming({ width, height }, portrait.frame), width, height }, portrait);
    expect(at(1000, 1000)).toEqual({ warnings: [], refused: false });
    expect(at(1920, 1080)).toEqual({ warnings: [], refused: false });
    const wide = at(3000, 1000);
    expect(wide.refused).toBe(false);
    expect(codes(wide)).toEqual(["ASPECT_RATIO"]);
    expect(wide.warnings[0]).toMatchObject({ severity: "high" });
    expect(wide.warnings[0].message).toBe(
      "The image is 3:1 and the video is 9:16: shown whole, the image would cover only 19% of each frame, the rest " +
        "a blurred backdrop; filling the frame instead would cut all but 19% of it away.",
    );
    expect(at(6000, 1000).refused).toBe(true);
    const strip80 = at(8000, 100);
    expect(strip80.refused).toBe(true);
    expect(codes(strip80)).toEqual(["ASPECT_RATIO", "PRODUCT_TOO_SMALL"]);
    expect(strip80.warnings[1].message).toBe(
      "The product would cover only 0.3% of the picture: on a phone it will look like a speck.",
    );
  });
});

describe("productBox", () => {
  it("finds a product on a plain background and gives up on a busy one", async () => {
    const raster = async (bytes: Buffer) => {
      const { data, info } = await sharp(bytes).removeAlpha().resize(256, 256, { fit: "inside" }).raw().toBuffer({
        resolveWithObject: true,
      });
      return { data, width: info.width, height: info.height };
    };
    const box = productBox(await raster(await smallProductOnWhite(216)));
    // 216 of 1080 px wide, centred.
    expect(box).not.toBeNull();
    expect(box!.width).toBeGreaterThan(0.17);
    expect(box!.width).toBeLessThan(0.23);
    expect(box!.x).toBeGreaterThan(0.38);
    expect(productBox(await raster(fixture("coffee.png")))).toBeNull();
  });
});

describe("preflightImageCheck framing gates (real images, local detector)", () => {
  it("an 80:1 strip is refused for a 9:16 video, with both findings in the warning shape", async () => {
    const report = await check(await photoStrip(12_000, 150));
    expect(report.refused).toBe(true);
    expect(report.safeToProceed).toBe(false);
    expect(codes(report)).toEqual(["LOW_RESOLUTION", "ASPECT_RATIO", "PRODUCT_TOO_SMALL"]);
    expect(report.framing).toMatchObject({ imageAspect: 80, productBoxFound: false });
    expect(report.framing!.fill).toBeLessThan(gates.refuseBelowFill);
    for (const warning of report.warnings) expect(warning.recommendation.length).toBeGreaterThan(10);
  });

  it("a 3:1 panorama waits for the user's confirmation in 9:16 and passes in 16:9", async () => {
    const image = await photoStrip(2400, 800);
    const tall = await check(image);
    expect({ refused: tall.refused, safe: tall.safeToProceed, codes: codes(tall) }).toEqual({
      refused: undefined,
      safe: false,
      codes: ["ASPECT_RATIO"],
    });
    const wide = await check(image, "16:9");
    expect(codes(wide)).toEqual([]);
    expect(wide.safeToProceed).toBe(true);
  });

  it("a product photographed small on white: a speck is refused, a small one confirmed, a normal one passes", async () => {
    // In the motion card a 1080x1920 photo is shown at 0.48x: 200 px of product become 96x64 px of 1080x1920.
    const speck = await check(await smallProductOnWhite(200));
    expect(speck.framing!.productBoxFound).toBe(true);
    expect(speck.refused).toBe(true);
    expect(codes(speck)).toEqual(["PRODUCT_TOO_SMALL"]);
    const small = await check(await smallProductOnWhite(500));
    expect(small.refused).toBeUndefined();
    expect(codes(small)).toEqual(["PRODUCT_TOO_SMALL"]);
    const normal = await check(await smallProductOnWhite(900));
    expect(codes(normal)).toEqual([]);
  });

  it("the fixture photo raises no framing warning", async () => {
    const report = await check(await upscaledCoffee());
    expect(codes(report)).toEqual([]);
    expect(report.safeToProceed).toBe(true);
  });
});
