/**
 * No sentence a customer reads names a provider or a model: not the backend's (refusals, warnings,
 * failures, notifications), not the page's own words, not the page's markup. Which provider makes a
 * video is ours to change; the customer is told what happened, in plain words.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { STAGES, type FallbackReason } from "../../../functions/src/contract/run";
import { adLengthWords, adTexts, notificationTexts, STAGE_LABELS, userMessages } from "../../../functions/src/messages";
import { DEFAULT_MODEL_CONFIG } from "../../../functions/src/models/modelConfig";
import { PROVIDERS } from "../../../functions/src/contract/providers";
import { userMessageForFailure } from "../../../functions/src/models/messages";
import { REFUSAL_MESSAGES, WARNING_CODES, WARNING_TEXT } from "../../../functions/src/preflight/messages";
import { QUALITY_CAUSES } from "../../../functions/src/contract/quality";
import { brandRunMessages, endCardWords, logoWords } from "../../../functions/src/brand/messages";
import { notificationWords, runLinkWords } from "../../src/logic/activity";
import { BRAND_KIT_WORDS } from "../../src/logic/brandKit";
import {
  fallbackReasonWords,
  OUTCOME_WORDS,
  PROGRESS_WORDS,
  STORYBOARD_WORDS,
  warningWords,
} from "../../src/logic/words";

/** Every provider, every model id of the default chains and the first word of each (its family), and the brands. */
const NAMES = [
  ...PROVIDERS,
  ...[...DEFAULT_MODEL_CONFIG.text, ...DEFAULT_MODEL_CONFIG.voice, ...DEFAULT_MODEL_CONFIG.video].flatMap((entry) => [
    entry.model,
    entry.model.split("-")[0],
  ]),
  "Google",
  "OpenAI",
  "Veo",
  "Gemini",
  "Omni",
  "GPT",
  "Vertex",
  "Imagen",
  "Cloud Vision",
];
const namePattern = new RegExp(
  `\\b(${[...new Set(NAMES.map((n) => n.toLowerCase()))].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})\\b`,
  "i",
);

function assertNoNames(what: string, sentences: string[]): void {
  assert.ok(sentences.length > 0, `${what}: nothing to check`);
  for (const sentence of sentences) assert.doesNotMatch(sentence, namePattern, `${what}: "${sentence}"`);
}

/** Each message, called with sample arguments where it takes some; a message without a sample fails here. */
function sentencesOf(
  what: string,
  messages: Record<string, unknown>,
  samples: Record<string, unknown[]> = {},
): string[] {
  return Object.entries(messages).flatMap(([key, message]) => {
    if (typeof message === "string") return [message];
    if (typeof message === "function") {
      assert.ok(key in samples, `${what}.${key} takes arguments: give it sample ones in this test`);
      const said: unknown = (message as (...args: unknown[]) => unknown)(...samples[key]);
      return typeof said === "string" ? [said] : Object.values(said as Record<string, string>);
    }
    return sentencesOf(`${what}.${key}`, message as Record<string, unknown>, samples);
  });
}

const staticScenes = [
  { scene: 1, reason: "veo_error" },
  { scene: 3, reason: "celebrity_detected" },
];

test("the backend's sentences for the customer name no provider or model", () => {
  assertNoNames("refusals", Object.values(REFUSAL_MESSAGES));
  assertNoNames(
    "image warnings",
    WARNING_CODES.flatMap((code) => {
      const text = WARNING_TEXT[code] as Record<string, unknown>;
      return sentencesOf(code, text, {
        message: [2, 2, 2, 2],
        recommendation: ["9:16"],
      });
    }),
  );
  assertNoNames("stage labels", Object.values(STAGE_LABELS));
  assertNoNames(
    "failures",
    sentencesOf("userMessages", userMessages, {
      forFailedRun: ["We could not do it. Your credits will be refunded.", false],
      afterRefund: ["We could not do it. Your credits will be refunded.", 10],
      invalidInput: ["brief"],
      imageMissing: ["uploads/u/photo.png"],
      insufficientCredits: [10, 3],
      approvalNeedsCredits: [10, 3],
      storyboardsPerDay: [20],
      storyboardsPerHour: [6],
      startFrameFailed: [2],
      framingRefused: [["The product is cut off."]],
      adTooShort: [1, 2, 2, 4],
      voiceoverDoesNotFit: [
        { fits: false, why: "too_little", givesSec: 6, needsSec: 11, videoSec: 16, fitsWithScenes: 2 },
      ],
      stageStuck: ["scenes"],
      sceneFailed: [2],
      sceneImageUnrenderable: [2],
      retryingScenes: [2],
      scenesDone: [0, 1, 4],
      unexpected: ["voice"],
      qualityGateFailed: [QUALITY_CAUSES],
      decisionTimedOut: ["Accept"],
    }),
  );
  assertNoNames("ad length", sentencesOf("adLengthWords", adLengthWords, { voiceNeeds: [4], sceneLasts: [2] }));
  assertNoNames("words on the video", sentencesOf("adTexts", adTexts));
  assertNoNames(
    "logo refusals",
    sentencesOf("logoWords", logoWords, { tooLarge: [6 * 2 ** 20], tooManyPixels: [20e6], tooSmall: [16, 16] }),
  );
  assertNoNames(
    "end card",
    sentencesOf("endCardWords", endCardWords, { brandNameTooLong: [29], callToActionTooLong: [61] }),
  );
  assertNoNames(
    "brand kit refusals",
    sentencesOf("brandRunMessages", brandRunMessages, { endCard: ["Too long."], logo: [logoWords.opaque] }),
  );
  assertNoNames(
    "notifications",
    sentencesOf("notificationTexts", notificationTexts, {
      refunded: [10, "Scene 2 could not be rendered. Your credits will be refunded."],
      failedUncharged: [userMessages.cancelled],
      qualityReduced: [staticScenes, 50],
      succeeded: [12],
      storyboardReady: [10],
    }),
  );
  assertNoNames(
    "every model failed",
    STAGES.flatMap((stage) => [
      userMessageForFailure(stage, [{ model: "m", tier: "primary", errorClass: "content_policy", durationMs: 5 }]),
      userMessageForFailure(stage, [{ model: "m", tier: "primary", errorClass: "transient", durationMs: 5 }]),
    ]),
  );
});

test("the page's own words name no provider or model, even for a warning stored by an older backend", () => {
  const reasons: FallbackReason[] = ["celebrity_detected", "safety_filter", "rate_limit", "veo_error"];
  const legacyFace = {
    code: "FACES_DETECTED",
    message: "1 face(s) detected. Veo may reject this image.",
    recommendation: "",
  };
  assertNoNames("page", [
    ...sentencesOf("BRAND_KIT_WORDS", BRAND_KIT_WORDS),
    ...Object.values(OUTCOME_WORDS),
    ...reasons.map(fallbackReasonWords),
    ...[0, 1, 2].flatMap((faces) => Object.values(warningWords(legacyFace, faces))),
    ...["succeeded", "failed", "refunded", "quality_reduced", "awaiting_confirmation"].flatMap((kind) => [
      ...Object.values(
        notificationWords({
          kind,
          title: "Quality reduced",
          body: notificationTexts.qualityReduced(staticScenes, 50).body,
        }),
      ),
      runLinkWords(kind),
    ]),
  ]);
  assertNoNames(
    "storyboard",
    sentencesOf("STORYBOARD_WORDS", STORYBOARD_WORDS, {
      line: [2],
      frameAlt: [1, "The cup on a wooden table"],
      sceneHeading: [1, "Morning light", "4 s"],
      total: [16],
      approve: [10],
      newScriptsLeft: [1],
      shortOfCredits: [0, 10],
      refused: ["contains placeholder or template text"],
    }),
  );
  assertNoNames(
    "progress",
    sentencesOf("PROGRESS_WORDS", PROGRESS_WORDS, { scenesReady: [2, 4], scenesRemade: [1, 3], timeLeft: [150] }),
  );
  const html = readFileSync(path.join(__dirname, "..", "..", "index.html"), "utf8")
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .replace(/<[^>]+>/g, " ")
    // Signing in with one's own Google account names the customer's identity provider, not one of ours.
    .replace("Continue with Google", "");
  assertNoNames("index.html", [html]);
});

test("the name check itself catches the old face warning", () => {
  assert.match("1 face(s) detected. Veo may reject this image.", namePattern);
  assert.match("every gemini-3.8-flash call failed", namePattern);
});
