/** The new-video form's draft: kept per user, read defensively, nothing stored when nothing was typed. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DRAFT_FIELDS, draftKey, parseDraft, serializeDraft } from "../../src/logic/draft";

const initial = { product: "", brand: "", brief: "", scenes: "4", aspect: "9:16", cta: "" };

test("what was typed round-trips; untouched fields keep their values too", () => {
  const typed = { ...initial, product: "Morning Ritual Coffee", brief: "Rich crema.\nSmooth finish." };
  const stored = serializeDraft(typed, initial);
  assert.ok(stored);
  assert.deepEqual(parseDraft(stored), typed);
});

test("an untouched form stores nothing", () => {
  assert.equal(serializeDraft({ ...initial }, initial), null);
  assert.notEqual(serializeDraft({ ...initial, aspect: "1:1" }, initial), null, "a changed format alone is kept");
});

test("a draft is the user's own", () => {
  assert.notEqual(draftKey("alice"), draftKey("bob"));
  assert.match(draftKey("alice"), /alice$/);
});

test("an unreadable or foreign stored value counts as no draft; unknown keys and non-text values are dropped", () => {
  for (const stored of [null, "", "{", "null", "[]", '"text"', "42"])
    assert.deepEqual(parseDraft(stored), {}, stored ?? "null");
  assert.deepEqual(parseDraft(JSON.stringify({ product: "Tea", brand: 7, image: "C:\\photo.png", scenes: "3" })), {
    product: "Tea",
    scenes: "3",
  });
  assert.deepEqual(
    [...DRAFT_FIELDS],
    ["product", "brand", "brief", "scenes", "aspect", "cta"],
    "the photo is never a draft field",
  );
});
