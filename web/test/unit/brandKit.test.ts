/** The brand kit card's decisions: which logos are refused before upload, and the kit its fields make. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BrandKitSchema } from "../../../functions/src/contract/brand";
import { BRAND_KIT_WORDS, checkKitForm, logoError, type KitFields, type LogoFacts } from "../../src/logic/brandKit";

const logo: LogoFacts = { type: "image/png", size: 40_000, width: 400, height: 200, transparent: true };

test("a transparent PNG or WebP within the limits may be uploaded", () => {
  assert.equal(logoError(logo), null);
  assert.equal(logoError({ ...logo, type: "image/webp" }), null);
});

test("each refused logo says why and what to do, in the backend's words", () => {
  const cases: [Partial<LogoFacts>, RegExp][] = [
    [{ size: 0 }, /empty/],
    [{ type: "image/jpeg" }, /must be a PNG or WebP image with a transparent background/],
    [{ type: "image/svg+xml" }, /must be a PNG or WebP/],
    [{ size: 6 * 2 ** 20 }, /6\.0 MB; the limit is 5 MB/],
    [{ width: null, height: null, transparent: null }, /could not be read as an image/],
    [{ width: 5000, height: 4000 }, /20\.0 million pixels; the limit is 16 million/],
    [{ width: 31, height: 200 }, /31x200 pixels; it needs at least 32/],
    [{ transparent: false }, /no transparent background/],
  ];
  for (const [facts, message] of cases) assert.match(String(logoError({ ...logo, ...facts })), message);
});

const fields: KitFields = {
  logo: "brand/u1/logo-abc.png",
  primaryColour: "#A0B0C0",
  secondaryColour: null,
  captionStyle: "highlight",
  callToAction: "  Order today ",
  music: false,
};

test("the fields make a kit the backend accepts: trimmed, colours in lower case, empty call to action as none", () => {
  const check = checkKitForm(fields);
  assert.ok(check.ok);
  assert.deepEqual(check.kit, {
    logo: "brand/u1/logo-abc.png",
    primaryColour: "#a0b0c0",
    secondaryColour: null,
    captionStyle: "highlight",
    callToAction: "Order today",
    music: false,
  });
  assert.deepEqual(BrandKitSchema.parse(check.kit), check.kit);
  const empty = checkKitForm({ ...fields, callToAction: "   " });
  assert.ok(empty.ok);
  assert.equal(empty.kit.callToAction, null);
});

test("a call to action too long for the end card, or without words, is refused with the limit", () => {
  const long = checkKitForm({ ...fields, callToAction: "x".repeat(49) });
  assert.ok(!long.ok);
  assert.equal(
    long.errors.callToAction,
    "The call to action is 49 characters; the end card holds 48. Shorten it or switch the end card off.",
  );
  const noWords = checkKitForm({ ...fields, callToAction: "→ !!" });
  assert.ok(!noWords.ok);
  assert.equal(noWords.errors.callToAction, BRAND_KIT_WORDS.ctaNoWords);
});
