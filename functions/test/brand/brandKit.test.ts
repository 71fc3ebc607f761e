/** The brand kit's pure decisions and the logo check on real images (sharp). */
import sharp from "sharp";
import { endCardProblems } from "../../src/brand/endCard";
import { checkLogo } from "../../src/brand/logo";
import { resolveCallToAction, resolveRunBrand, resolveRunOptions } from "../../src/brand/resolve";
import { BrandKitSchema, END_CARD_LIMITS, LOGO_LIMITS } from "../../src/contract/brand";
import { RunInputSchema } from "../../src/contract/run";
import { judgeLogoUpload } from "../../src/uploads/uploadPolicy";
import { endCardRefusal } from "../../src/pipeline/preflightStage";
import { pngDeclaring, SAMPLE_AD_INPUT } from "../support/samples";
import { opaqueJpeg, opaqueWithAlpha, transparentLogo } from "./logos";

const DEFAULT_KIT = BrandKitSchema.parse({});

describe("the logo check", () => {
  test.each([
    ["a PNG", () => transparentLogo(200, "png"), "png"],
    ["a lossless WebP", () => transparentLogo(200, "webp"), "webp"],
  ])("accepted: %s with a transparent background", async (_name, make, format) => {
    expect(await checkLogo(await make())).toEqual({ ok: true, format, width: 200, height: 200 });
  });

  test.each([
    ["an empty file", async () => Buffer.alloc(0), "empty", /empty/],
    ["a JPEG", () => opaqueJpeg(), "format", /PNG or WebP/],
    ["text named .png", async () => Buffer.from("not an image at all\n".repeat(10)), "format", /PNG or WebP/],
    [
      "a PNG without transparency (alpha opaque everywhere)",
      () => opaqueWithAlpha(),
      "opaque",
      /no transparent background/,
    ],
    [
      "a PNG without an alpha channel",
      () =>
        sharp({ create: { width: 64, height: 64, channels: 3, background: "#fff" } })
          .png()
          .toBuffer(),
      "opaque",
      /no transparent background/,
    ],
    ["a 16x16 icon", () => transparentLogo(16), "too_small", /16x16 pixels; it needs at least 32/],
    [
      "a truncated PNG",
      async () => {
        const whole = await transparentLogo(400);
        return whole.subarray(0, Math.floor(whole.length / 2));
      },
      "unreadable",
      /could not be read/,
    ],
    [
      "a file over the size limit",
      async () => Buffer.concat([await transparentLogo(), Buffer.alloc(LOGO_LIMITS.maxBytes)]),
      "too_large",
      /the limit is 5 MB/,
    ],
  ])("refused: %s", async (_name, make, code, message) => {
    const verdict = await checkLogo(await make());
    expect(verdict).toMatchObject({ ok: false, code });
    if (verdict.ok) throw new Error("unreachable");
    expect(verdict.message).toMatch(message);
  });

  test("refused: a PNG declaring more pixels than the limit, before decoding them", async () => {
    const side = Math.ceil(Math.sqrt(LOGO_LIMITS.maxPixels)) + 1;
    expect(await checkLogo(pngDeclaring(side, side))).toMatchObject({ ok: false, code: "pixels" });
  });
});

describe("a logo uploaded under the emulators", () => {
  test("stored where the kit may point to it, or refused with the check's words", async () => {
    const stored = await judgeLogoUpload("u1", await transparentLogo(), "k1");
    expect(stored).toEqual({ ok: true, format: "png", objectPath: "brand/u1/logo-k1.png" });
    if (!stored.ok) throw new Error("unreachable");
    expect(BrandKitSchema.parse({ logo: stored.objectPath }).logo).toBe(stored.objectPath);
    expect(await judgeLogoUpload("u1", await opaqueWithAlpha(), "k2")).toMatchObject({
      ok: false,
      status: 400,
      error: expect.stringMatching(/no transparent background/),
    });
    expect(await judgeLogoUpload("u1", await opaqueJpeg(), "k3")).toMatchObject({ ok: false, status: 415 });
  });
});

describe("the end card", () => {
  const fits = {
    brandName: "b".repeat(END_CARD_LIMITS.brandName),
    callToAction: "c".repeat(END_CARD_LIMITS.callToAction),
    endCard: true,
  };

  test("text at the limits fits; one character more is refused with the limit", () => {
    expect(endCardProblems(fits)).toBeNull();
    expect(endCardProblems({ ...fits, brandName: `${fits.brandName}x` })).toEqual({
      brandName: `The brand name is 23 characters; the end card holds 22. Shorten it or switch the end card off.`,
    });
    expect(endCardProblems({ ...fits, callToAction: `${fits.callToAction}x` })?.callToAction).toMatch(
      /49 characters; the end card holds 48/,
    );
  });

  test("with the end card off, nothing is too long for it", () => {
    expect(
      endCardProblems({ ...fits, brandName: "b".repeat(120), callToAction: "c".repeat(200), endCard: false }),
    ).toBeNull();
  });

  test("at the start of a run: the run's call to action, else the kit's, is judged; the refusal says nothing was charged", () => {
    const input = RunInputSchema.parse({ ...SAMPLE_AD_INPUT, callToAction: "x".repeat(49) });
    const options = resolveRunOptions(input, DEFAULT_KIT);
    expect(endCardRefusal(input, DEFAULT_KIT, options)?.userMessage).toBe(
      "The call to action is 49 characters; the end card holds 48. Shorten it or switch the end card off. Nothing was charged.",
    );
    const off = RunInputSchema.parse({ ...input, options: { endCard: false } });
    expect(endCardRefusal(off, DEFAULT_KIT, resolveRunOptions(off, DEFAULT_KIT))).toBeNull();
    const plain = RunInputSchema.parse(SAMPLE_AD_INPUT);
    expect(endCardRefusal(plain, { ...DEFAULT_KIT, callToAction: "Order today" }, options)).toBeNull();
  });
});

describe("what a run takes from its input and the kit", () => {
  const dna = { palette: ["#aa0000", "#00bb00", "#0000cc"] };

  test("colours from the palette where the kit has none; the kit's own otherwise", () => {
    const input = RunInputSchema.parse(SAMPLE_AD_INPUT);
    expect(resolveRunBrand(DEFAULT_KIT, input, dna)).toEqual({
      brandName: "Fairbean",
      logo: null,
      primaryColour: "#aa0000",
      secondaryColour: "#00bb00",
      captionStyle: "boxed",
      callToAction: "",
      music: true,
    });
    const kit = {
      ...DEFAULT_KIT,
      primaryColour: "#123456",
      captionStyle: "highlight" as const,
      logo: "runs/r/logo.png",
    };
    expect(resolveRunBrand(kit, input, dna)).toMatchObject({
      primaryColour: "#123456",
      secondaryColour: "#00bb00",
      captionStyle: "highlight",
      logo: "runs/r/logo.png",
    });
    expect(resolveRunBrand(DEFAULT_KIT, input, { palette: ["#101010"] })).toMatchObject({
      primaryColour: "#101010",
      secondaryColour: "#101010",
    });
  });

  test("the call to action: the run's, else the kit's, else none", () => {
    const kit = { ...DEFAULT_KIT, callToAction: "Visit fairbean.example" };
    expect(resolveCallToAction({ callToAction: "Order today" }, kit)).toBe("Order today");
    expect(resolveCallToAction({}, kit)).toBe("Visit fairbean.example");
    expect(resolveCallToAction({}, DEFAULT_KIT)).toBeNull();
  });

  test("the switches: each on unless switched off; music left out follows the kit", () => {
    expect(resolveRunOptions({}, DEFAULT_KIT)).toEqual({ captions: true, music: true, endCard: true });
    expect(resolveRunOptions({}, { ...DEFAULT_KIT, music: false })).toEqual({
      captions: true,
      music: false,
      endCard: true,
    });
    expect(resolveRunOptions({ options: { music: true } }, { ...DEFAULT_KIT, music: false }).music).toBe(true);
    // Through the input's own schema: a switch left out stays left out, so the kit still decides music.
    const input = RunInputSchema.parse({ ...SAMPLE_AD_INPUT, options: { captions: false } });
    expect(input.options).toEqual({ captions: false });
    expect(resolveRunOptions(input, { ...DEFAULT_KIT, music: false })).toEqual({
      captions: false,
      music: false,
      endCard: true,
    });
    expect(resolveRunOptions({ options: { captions: false, endCard: false } }, DEFAULT_KIT)).toEqual({
      captions: false,
      music: true,
      endCard: false,
    });
  });

  test("the run input: options and a call to action are optional and checked", () => {
    expect(RunInputSchema.safeParse({ ...SAMPLE_AD_INPUT, options: { captions: "no" } }).success).toBe(false);
    expect(RunInputSchema.safeParse({ ...SAMPLE_AD_INPUT, options: { watermark: true } }).success).toBe(false);
    expect(RunInputSchema.safeParse({ ...SAMPLE_AD_INPUT, callToAction: "!!!" }).success).toBe(false);
    expect(RunInputSchema.parse({ ...SAMPLE_AD_INPUT, callToAction: "  Order today " }).callToAction).toBe(
      "Order today",
    );
  });

  test("a stored kit: bounded like the rules bound it", () => {
    expect(BrandKitSchema.safeParse({ logo: "brand/u1/logo-a1.png" }).success).toBe(true);
    expect(BrandKitSchema.safeParse({ logo: "uploads/u1/logo-a1.png" }).success).toBe(false);
    expect(BrandKitSchema.safeParse({ callToAction: "x".repeat(49) }).success).toBe(false);
    expect(BrandKitSchema.safeParse({ primaryColour: "blue" }).success).toBe(false);
  });
});
