/** Credit history and notifications read as sentences, without internal reasons. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ledgerSentence, notificationWords, runLinkWords } from "../../src/logic/activity";
import {
  errorWords,
  fallbackReasonWords,
  stageLabel,
  warningWords,
  withoutMoneySentences,
} from "../../src/logic/words";

test("ledger lines are sentences whatever the stored reason", () => {
  assert.equal(ledgerSentence({ kind: "grant", amount: 100 }), "100 credits added to your account.");
  assert.equal(ledgerSentence({ kind: "charge", amount: -10 }), "10 credits paid for a video.");
  assert.equal(ledgerSentence({ kind: "refund", amount: 10 }), "10 credits refunded for a video.");
  assert.equal(ledgerSentence({ kind: "adjustment", amount: -1 }), "1 credit taken.");
});

test("notifications this page knows are worded for the customer; others keep their text", () => {
  const quality = notificationWords({
    kind: "quality_reduced",
    title: "Quality reduced",
    body: "3 scene(s) (75%) ...: scene 1 (celebrity detected)",
  });
  assert.doesNotMatch(quality.body, /celebrity|%/);
  assert.equal(
    notificationWords({
      kind: "refunded",
      title: "Credits refunded",
      body: "10 credits are back in your balance. We could not write a script. Your credits have been refunded.",
    }).body,
    "10 credits are back in your balance. We could not write a script.",
  );
  assert.deepEqual(notificationWords({ kind: "new_kind", title: "T", body: "B" }), { title: "T", body: "B" });
});

test("codes become words: reasons, stages, warnings; money sentences are dropped only whole", () => {
  assert.doesNotMatch(fallbackReasonWords("celebrity_detected"), /_/);
  assert.equal(fallbackReasonWords("something_new"), "the animation could not be made");
  assert.equal(stageLabel("voice"), "Recording the voiceover");
  assert.equal(stageLabel("output_quality_gate"), "Final checks");
  assert.deepEqual(warningWords({ code: "NEW_CODE", message: "M.", recommendation: "R." }, 0), {
    text: "M.",
    advice: "R.",
  });
  assert.match(warningWords({ code: "FACES_DETECTED", message: "", recommendation: "" }, 3).text, /3 faces/);
  assert.equal(withoutMoneySentences("Nothing was charged. Try again."), "Try again.");
  assert.equal(
    withoutMoneySentences("We could not record the voiceover. Your credits will be refunded."),
    "We could not record the voiceover.",
  );
  assert.equal(withoutMoneySentences("No voice. Your 10 credits have been refunded."), "No voice.");
  assert.equal(withoutMoneySentences("Nothing was charged yet, but soon."), "Nothing was charged yet, but soon.");
});

test("errors in words: Firebase codes explained, schema dumps never shown, our own sentences kept", () => {
  const firebase = (code: string) => Object.assign(new Error(`FirebaseError: [code=${code}]: raw`), { code });
  assert.match(errorWords(firebase("permission-denied")), /moved on/);
  assert.match(errorWords(firebase("unavailable")), /offline/);
  assert.equal(errorWords(firebase("internal")), "Something went wrong. Please try again.");
  assert.equal(
    errorWords(Object.assign(new Error('[{"code":"too_small"}]'), { name: "ZodError" })),
    "Something went wrong. Please try again.",
  );
  assert.equal(errorWords(new Error("Choose a JPEG, PNG or WebP image.")), "Choose a JPEG, PNG or WebP image.");
});

test("only a finished video's notification offers the video; the others lead to the run's card", () => {
  assert.equal(runLinkWords("succeeded"), "Show the video");
  for (const kind of [
    "failed",
    "refunded",
    "quality_reduced",
    "awaiting_confirmation",
    "awaiting_approval",
    "charge",
    "refund",
  ])
    assert.equal(runLinkWords(kind), "Show in My videos", kind);
});
