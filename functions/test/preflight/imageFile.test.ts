import sharp from "sharp";
import { PipelineFailure } from "../../src/contract/failure";
import { decodeUpload, sniffFormat, WORKING_MAX_SIDE } from "../../src/preflight/imageFile";
import { REFUSAL_MESSAGES, type RefusalCode } from "../../src/preflight/messages";
import { fixture, pngDeclaring, tinyBmp } from "../support/samples";

async function refusalOf(bytes: Buffer, limits = {}): Promise<PipelineFailure> {
  const error = await decodeUpload(bytes, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PipelineFailure)) throw new Error(`expected a PipelineFailure, got ${String(error)}`);
  return error;
}

function expectRefusal(failure: PipelineFailure, code: RefusalCode, message = REFUSAL_MESSAGES[code]) {
  expect(failure.reason.split(":")[0]).toBe(code);
  expect(failure.stage).toBe("preflight");
  expect(failure.requiresRefund).toBe(false);
  expect(failure.userMessage).toBe(`${message} Nothing was charged.`);
}

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#8a5a3c" } });

describe("decodeUpload accepts JPEG, PNG and WebP", () => {
  it("decodes a PNG at full size with an sRGB working raster", async () => {
    const image = await decodeUpload(fixture("coffee.png"));
    expect([image.width, image.height, image.format]).toEqual([600, 400, "png"]);
    expect([image.raster.width, image.raster.height]).toEqual([600, 400]);
    expect(image.raster.data.length).toBe(600 * 400 * 3);
  });

  it("decodes a JPEG and caps the working raster, keeping the full-size dimensions", async () => {
    const big = await sharp(fixture("rocket.jpg")).resize(2048).jpeg().toBuffer();
    const image = await decodeUpload(big);
    expect([image.width, image.format]).toEqual([2048, "jpeg"]);
    expect(image.raster.width).toBe(WORKING_MAX_SIDE);
    expect(image.raster.height).toBe(Math.round((WORKING_MAX_SIDE * image.height) / image.width));
  });

  it("decodes a WebP with transparency onto white, and a grey PNG to three channels", async () => {
    const transparent = await sharp({ create: { width: 400, height: 300, channels: 4, background: "#00000000" } })
      .webp({ lossless: true })
      .toBuffer();
    const webp = await decodeUpload(transparent);
    expect(webp.format).toBe("webp");
    expect([...webp.raster.data.subarray(0, 3)]).toEqual([255, 255, 255]);
    const grey = await decodeUpload(fixture("camera.png"));
    expect(grey.raster.data.length).toBe(512 * 512 * 3);
  });

  it("honours EXIF orientation 6: sides swap and pixels turn 90 degrees clockwise", async () => {
    // Stored 600x400: top half red, bottom half blue. Orientation 6 displays it turned clockwise,
    // so the top (red) ends up on the right and the bottom (blue) on the left.
    const red = await sharp({ create: { width: 600, height: 200, channels: 3, background: "#ff0000" } })
      .png()
      .toBuffer();
    const stored = await sharp({ create: { width: 600, height: 400, channels: 3, background: "#0000ff" } })
      .composite([{ input: red, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(stored).metadata()).orientation).toBe(6);
    const image = await decodeUpload(stored);
    expect([image.width, image.height]).toEqual([400, 600]);
    const at = (x: number, y: number) => [...image.raster.data.subarray((y * 400 + x) * 3, (y * 400 + x) * 3 + 3)];
    const [leftR, , leftB] = at(50, 300);
    const [rightR, , rightB] = at(340, 300);
    expect(leftB).toBeGreaterThan(200);
    expect(leftR).toBeLessThan(60);
    expect(rightR).toBeGreaterThan(200);
    expect(rightB).toBeLessThan(60);
  });
});

describe("decodeUpload refuses bad and hostile files with PipelineFailure before any charge", () => {
  it("EMPTY_FILE for 0 bytes", async () => {
    expectRefusal(await refusalOf(Buffer.alloc(0)), "EMPTY_FILE");
  });

  it("FILE_TOO_LARGE above maxBytes, without decoding", async () => {
    const bytes = fixture("coffee.png");
    expectRefusal(await refusalOf(bytes, { maxBytes: bytes.length - 1 }), "FILE_TOO_LARGE");
  });

  it("NOT_AN_IMAGE for a text file renamed .jpg", async () => {
    const text = Buffer.from("Quarterly report\nRevenue: up\nThis is plain text saved as photo.jpg\n");
    expectRefusal(await refusalOf(text), "NOT_AN_IMAGE");
  });

  it("UNSUPPORTED_FORMAT for GIF, TIFF, BMP and SVG (no decoder ever sees them)", async () => {
    const gif = await sharp(fixture("coffee_lowres.png")).gif().toBuffer();
    const tiff = await sharp(fixture("coffee_lowres.png")).tiff().toBuffer();
    const svg = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    for (const [bytes, format] of [
      [gif, "gif"],
      [tiff, "tiff"],
      [tinyBmp(), "bmp"],
      [svg, "svg"],
    ] as const) {
      const failure = await refusalOf(bytes);
      expectRefusal(failure, "UNSUPPORTED_FORMAT");
      expect(failure.reason).toContain(format);
    }
  });

  it("CORRUPT_IMAGE for a truncated PNG and a truncated JPEG", async () => {
    const png = fixture("coffee.png");
    const jpeg = fixture("rocket.jpg");
    expectRefusal(await refusalOf(png.subarray(0, png.length / 2)), "CORRUPT_IMAGE");
    expectRefusal(await refusalOf(jpeg.subarray(0, jpeg.length / 2)), "CORRUPT_IMAGE");
  });

  it("CORRUPT_IMAGE for a JPEG with garbage in the middle of its scan data", async () => {
    const jpeg = fixture("rocket.jpg");
    const damaged = Buffer.concat([jpeg.subarray(0, 5000), Buffer.alloc(3000, 7), jpeg.subarray(8000)]);
    expectRefusal(await refusalOf(damaged), "CORRUPT_IMAGE");
  });

  it("DECOMPRESSION_BOMB for a PNG whose valid header declares 50000x50000", async () => {
    const bomb = pngDeclaring(50_000, 50_000);
    expect(bomb.length).toBeLessThan(200);
    const before = process.memoryUsage().rss;
    const failure = await refusalOf(bomb);
    expectRefusal(failure, "DECOMPRESSION_BOMB");
    expect(failure.reason).toContain("50000x50000");
    // Refused from the header: 2.5 gigapixels were never allocated.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("DECOMPRESSION_BOMB also just above a lowered maxPixels", async () => {
    expectRefusal(await refusalOf(fixture("coffee.png"), { maxPixels: 600 * 400 - 1 }), "DECOMPRESSION_BOMB");
    await expect(decodeUpload(fixture("coffee.png"), { maxPixels: 600 * 400 })).resolves.toBeDefined();
  });

  it("IMAGE_TOO_SMALL below minSide, saying the size and the minimum", async () => {
    const failure = await refusalOf(fixture("coffee_lowres.png"), { minSide: 161 });
    expectRefusal(
      failure,
      "IMAGE_TOO_SMALL",
      "The image is only 240 x 160 pixels, too small to make a video from: it needs at least 161 pixels on its " +
        "shortest side and at least 32,400 pixels in all. Please upload a larger photo of your product.",
    );
    expect(failure.reason).toBe("IMAGE_TOO_SMALL: 240x160: shortest side under 161");
    await expect(decodeUpload(fixture("coffee_lowres.png"), { minSide: 160 })).resolves.toBeDefined();
  });

  it("IMAGE_TOO_SMALL by default for 1x1, 2x2 and tiny PNG, JPEG and WebP files, from the header", async () => {
    for (const [width, height] of [
      [1, 1],
      [2, 2],
      [16, 16],
      [64, 48],
    ]) {
      for (const format of ["png", "jpeg", "webp"] as const) {
        const failure = await refusalOf(await solid(width, height)[format]().toBuffer());
        expectRefusal(
          failure,
          "IMAGE_TOO_SMALL",
          `The image is only ${width} x ${height} pixels, too small to make a video from: it needs at least 135 ` +
            "pixels on its shortest side and at least 32,400 pixels in all. Please upload a larger photo of your product.",
        );
      }
    }
  });

  it("the default floors: 135 px on the shortest side (oriented) and 32,400 pixels, each on its own", async () => {
    const reasonOf = async (bytes: Buffer) => (await refusalOf(bytes)).reason;
    // A sliver with pixels enough, a thumbnail with sides enough, and both just at the floor.
    expect(await reasonOf(await solid(134, 2000).png().toBuffer())).toBe(
      "IMAGE_TOO_SMALL: 134x2000: shortest side under 135",
    );
    expect(await reasonOf(await solid(170, 170).jpeg().toBuffer())).toBe(
      "IMAGE_TOO_SMALL: 170x170: fewer than 32400 pixels",
    );
    expect(await reasonOf(await solid(2000, 100).webp().toBuffer())).toBe(
      "IMAGE_TOO_SMALL: 2000x100: shortest side under 135",
    );
    // Stored 2000x100 with orientation 6 it displays 100x2000: still too thin.
    const turned = await solid(2000, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await reasonOf(turned)).toBe("IMAGE_TOO_SMALL: 100x2000: shortest side under 135");
    await expect(decodeUpload(await solid(135, 240).png().toBuffer())).resolves.toMatchObject({ width: 135 });
    await expect(decodeUpload(await solid(180, 180).webp().toBuffer())).resolves.toMatchObject({ width: 180 });
  });

  it("CORRUPT_IMAGE when the signature is PNG but the rest is not", async () => {
    const fake = Buffer.concat([fixture("coffee.png").subarray(0, 8), Buffer.from("not really a png at all")]);
    expectRefusal(await refusalOf(fake), "CORRUPT_IMAGE");
  });
});

describe("sniffFormat", () => {
  it("does not call text starting with 'BM' a bitmap", () => {
    expect(sniffFormat(Buffer.from("BMW owners club newsletter, issue 12"))).toBeUndefined();
    expect(sniffFormat(tinyBmp())).toBe("bmp");
  });
});
