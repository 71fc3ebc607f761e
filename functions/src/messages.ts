/**
 * Every sentence a user reads and every log line the pipeline writes, in one place,
 * so wording stays consistent and reviewable.
 */
import type { Stage } from "./contract/run";
import type { QualityCause } from "./contract/quality";
import type { VoiceoverFit } from "./contract/voiceoverFit";

export const STAGE_LABELS: Record<Stage, string> = {
  preflight: "Checking your image",
  charge: "Reserving credits",
  visual_dna: "Analysing the product",
  script: "Writing the script",
  storyboard: "Drawing the storyboard",
  scenes: "Rendering scenes",
  voice: "Recording the voiceover",
  assembly: "Assembling the video",
  quality: "Checking the finished video",
};

/** What each quality-gate cause means to someone watching the video. */
const QUALITY_CAUSE_WORDS: Record<QualityCause, string> = {
  unreadable: "the video file came out damaged",
  no_video: "the video file came out damaged",
  duration_mismatch: "the video file came out damaged",
  size: "the video did not come out in the format you ordered",
  fps: "the video did not come out in the format you ordered",
  duration: "the video did not come out at the length you ordered",
  black: "part of the picture was black",
  frozen: "the picture froze",
  voice_missing: "the voice-over was missing",
  voice_silent: "the voice-over was silent",
  voice_coverage: "the voice-over left long silent gaps",
  voice_tail: "the voice-over stopped long before the end",
  voice_cut_off: "the voice-over was cut off at the end",
  loudness: "the sound was too quiet or too loud",
  true_peak: "the sound would distort on some speakers",
  product_not_visible: "your product could not be shown clearly in it",
  music_over_voice: "the background music was too loud under the voice-over",
};

const secondsWords = (seconds: number) => `${Number(seconds.toFixed(2))} ${seconds === 1 ? "second" : "seconds"}`;

/** Why a video needs a few scenes: said by the page's form and by a run refused for it. */
export const adLengthWords = {
  voiceNeeds: (minAdSeconds: number) => `the voice-over needs a video of at least ${secondsWords(minAdSeconds)}`,
  sceneLasts: (sceneSeconds: number) => `each scene lasts ${secondsWords(sceneSeconds)}`,
};

/** An ad the names and brief cannot fill, or whose names do not fit it: said by the page's form and by a refused run. */
export const voiceoverWords = {
  why: (fit: Extract<VoiceoverFit, { fits: false }>) => {
    const about = (seconds: number) => secondsWords(Math.max(1, Math.round(seconds)));
    return fit.why === "too_little"
      ? `Your brief and the product and brand names give about ${about(fit.givesSec)} of voice-over, but a video ` +
          `of ${secondsWords(fit.videoSec)} needs at least ${about(fit.needsSec)}`
      : `The product and brand names take about ${about(fit.givesSec)} to say, but a video of ` +
          `${secondsWords(fit.videoSec)} leaves room for about ${about(fit.needsSec)}`;
  },
  suggestion: (fit: Extract<VoiceoverFit, { fits: false }>) => {
    const n = fit.fitsWithScenes;
    if (fit.why === "too_little") {
      return n === null
        ? "Write a longer brief"
        : `Write a longer brief, or choose ${n} ${n === 1 ? "scene" : "scenes"} or fewer`;
    }
    return n === null ? "Use shorter product or brand names" : `Choose at least ${n} scenes, or use shorter names`;
  },
};

/** The refund sentence before the refund has landed, and after. */
export const WILL_BE_REFUNDED = "Your credits will be refunded.";
const NOTHING_CHARGED = "Nothing was charged.";

export const userMessages = {
  /** A failure's message as the failed run shows it: a refund is promised only when credits were taken. */
  forFailedRun: (message: string, charged: boolean) =>
    charged || !message.includes(WILL_BE_REFUNDED) ? message : message.replace(WILL_BE_REFUNDED, NOTHING_CHARGED),
  /** The same message once the refund has landed. */
  afterRefund: (message: string, credits: number) =>
    message.includes(WILL_BE_REFUNDED)
      ? message.replace(WILL_BE_REFUNDED, `Your ${credits} credits have been refunded.`)
      : `${message} Your ${credits} credits have been refunded.`.trim(),
  cancelled: "You cancelled this video. Nothing was charged.",
  awaitingApproval:
    "Your storyboard is ready. Review it, change it if you like, and approve it to make the video; nothing is charged until you do.",
  storyboardCancelled: "You cancelled this video at the storyboard. Nothing was charged.",
  storyboardExpired:
    "You did not approve the storyboard within the time allowed, so this video was cancelled. Nothing was charged.",
  approvalNeedsCredits: (price: number, balance: number) =>
    `This video costs ${price} credits and your balance is ${balance}. Add credits and approve again: your storyboard stays open. Nothing was charged.`,
  storyboardsPerDay: (limit: number) =>
    `You have started ${limit} videos today, the most we can prepare in one day. Please try again tomorrow. Nothing was charged.`,
  storyboardsPerHour: (limit: number) =>
    `You have started ${limit} videos in the last hour. Please wait a little and try again. Nothing was charged.`,
  noRetriesLeft: "No retries left: choose Accept or Refund.",
  retryingScenes: (count: number) => `Retrying ${count} static scene(s)`,
  scenesDone: (round: number, done: number, total: number) =>
    round === 0
      ? `${STAGE_LABELS.scenes}: ${done} of ${total} done`
      : `Retrying static scenes: ${done} of ${total} done`,
  invalidInput: (detail: string) => `Your request is incomplete or malformed (${detail}). Nothing was charged.`,
  imageMissing: (image: string) =>
    `We could not find the uploaded image "${image}". Please upload it again. Nothing was charged.`,
  faultsRefused: "Test fault injection is only available on the local emulators. Nothing was charged.",
  insufficientCredits: (price: number, balance: number) =>
    `This video costs ${price} credits and your balance is ${balance}. Nothing was charged.`,
  awaitingConfirmation:
    "We found something in your image that may reduce quality. Review the warnings and confirm to continue; nothing is charged until you do.",
  framingRefused: (findings: string[]) =>
    `${findings.join(" ")} We cannot make a usable ad from this image. Nothing was charged.`,
  adTooShort: (scenes: number, sceneSeconds: number, minScenes: number, minAdSeconds: number) =>
    `A video of ${scenes} ${scenes === 1 ? "scene" : "scenes"} lasts ${secondsWords(scenes * sceneSeconds)}, but ` +
    `${adLengthWords.voiceNeeds(minAdSeconds)}. Choose at least ${minScenes} scenes. Nothing was charged.`,
  voiceoverDoesNotFit: (fit: Extract<VoiceoverFit, { fits: false }>) =>
    `${voiceoverWords.why(fit)}. ${voiceoverWords.suggestion(fit)}. Nothing was charged.`,
  confirmationExpired: "You did not confirm within the time allowed, so this video was cancelled. Nothing was charged.",
  stageStuck: (stage: Stage) => `${STAGE_LABELS[stage]} did not finish. ${WILL_BE_REFUNDED}`,
  startFrameFailed: (scene: number) =>
    `We could not make a usable first picture of scene ${scene} from your product image. Please try again with another photo. Nothing was charged.`,
  sceneFailed: (scene: number) => `Scene ${scene} could not be rendered. ${WILL_BE_REFUNDED}`,
  sceneImageUnrenderable: (scene: number) =>
    `Scene ${scene} could not be rendered from your product image. Please try again with another photo. ${WILL_BE_REFUNDED}`,
  visualDnaFailed: "We could not analyse your product image with any of our models. " + WILL_BE_REFUNDED,
  scriptFailed: "We could not write a script for your ad with any of our models. " + WILL_BE_REFUNDED,
  voiceFailed: "We could not record the voiceover. " + WILL_BE_REFUNDED,
  assemblyFailed: "We could not assemble the final video. " + WILL_BE_REFUNDED,
  unexpected: (stage: Stage) => `Something went wrong while ${STAGE_LABELS[stage].toLowerCase()}. ${WILL_BE_REFUNDED}`,
  videoReady: "Your video is ready.",
  qualityGateFailed: (causes: readonly QualityCause[]) =>
    `Our final check of your video found that ${[...new Set(causes.map((c) => QUALITY_CAUSE_WORDS[c]))].join(", and ")}, ` +
    `so we did not deliver it. ${WILL_BE_REFUNDED}`,
  refusedByUser: "You asked for a refund after the quality check. " + WILL_BE_REFUNDED,
  decisionTimedOut: (choice: string) =>
    `You did not choose within the time allowed, so we applied the default: ${choice}.`,
};

export const notificationTexts = {
  refunded: (credits: number, why: string) => ({
    title: "Credits refunded",
    body: `${credits} credits are back in your balance. ${why.replace(WILL_BE_REFUNDED, "").trim()}`.trim(),
  }),
  failedUncharged: (why: string) => ({ title: "Video not created", body: why }),
  // The scenes by number, not their internal reasons (codes such as "veo_error" name a provider).
  qualityReduced: (staticScenes: { scene: number; reason: string }[], pct: number) => ({
    title: "Quality reduced",
    body:
      `${staticScenes.length} ${staticScenes.length === 1 ? "scene" : "scenes"} (${Math.round(pct)}%) could only be ` +
      `made as still pan-and-zoom animations: ${staticScenes.map((s) => `scene ${s.scene}`).join(", ")}. ` +
      "Choose Accept, Retry or Refund.",
  }),
  storyboardReady: (price: number) => ({
    title: "Your storyboard is ready",
    body: `Review each scene, change the words if you like, and approve it to make your video for ${price} credits. Nothing is charged until you approve.`,
  }),
  succeeded: (durationSec: number) => ({
    title: "Your video is ready",
    body: `Your ${Math.round(durationSec)}-second ad is ready to watch and download.`,
  }),
};

export const logMessages = {
  duplicateDelivery: "stage already claimed or finished; duplicate delivery ignored",
  leaseLost: "lease lost before the stage finished; result discarded",
  stageCrashed: "stage crashed; the sweeper will retry it when its lease expires",
  refundResult: "refund processed",
  clipPassFailed: (failures: number, allowed: number, error: string) =>
    `normalising pass ${failures} of ${allowed} failed${failures >= allowed ? ", the scene falls back to Ken Burns" : ""}: ${error}`.slice(
      0,
      600,
    ),
};
