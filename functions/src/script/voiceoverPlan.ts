/**
 * What the local script composer says, and whether it can fill an ad at all: pure, shared by the
 * composer, the preflight's refusal and the page's form, so all three decide alike.
 *
 * The voice-over is built from what is known: the product and brand names (the hook, lines that name
 * them, the call to action), the brief's own sentences, and, once the Visual DNA is known, what it found
 * (colours, mood and light, the product's description). Lines are added in that order while they bring
 * the spoken length closer to the target, within the composer's band inside the voiceover window.
 * Before the charge the Visual DNA is not known, so whether an ad can be filled is decided on the names
 * and the brief alone; the composer falls back to exactly those lines when its richer choice misses the
 * band, so every ad the preflight accepts gets a voice-over in the band.
 */
import { hasWords, type RunInput, type VisualDna } from "../contract/run";
import { voiceoverWindow, type VoiceoverSettings, type VoiceoverWindow } from "../pipelineSettings";
import { colourName } from "./imageFacts";
import { speechSeconds, type SpeechPace } from "./syllables";
import type { VoiceoverFit } from "../contract/voiceoverFit";

/**
 * The composer stays this share inside the voiceover window on each side, for the syllable estimate's
 * error against where Flite's voice really ends (test/providers/briefProperty.long.test.ts prints it: about
 * 7% on average, 18-23% at worst in two runs of 36). The window's edges are already the voice
 * fit's fastest and slowest tempo, so the band covers the usual error, not the worst: the tempo range
 * between the band and the window's edge absorbs the rest.
 */
export const ESTIMATE_TOLERANCE = 0.15;

export type VoiceoverSource = Pick<RunInput, "productName" | "brandName" | "brief" | "scenes">;

export interface ComposerBand {
  lowSec: number;
  targetSec: number;
  highSec: number;
}

/** The band the composer aims into: the window narrowed by the estimate's tolerance on each side. */
export function composerBand(window: VoiceoverWindow): ComposerBand {
  const lowSec = window.shortestSec * (1 + ESTIMATE_TOLERANCE);
  const highSec = window.longestSec * (1 - ESTIMATE_TOLERANCE);
  return { lowSec, highSec, targetSec: Math.min(highSec, Math.max(lowSec, window.targetSec)) };
}

export interface VoiceoverPlan {
  hook: string;
  body: string[];
  cta?: string;
  /** Estimated seconds until the voice stops. */
  seconds: number;
}

/** The brief's sentences as the user wrote them, each ending in its punctuation; only speakable ones. */
export function briefSentences(brief: string): string[] {
  return brief
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter(hasWords)
    .map((s) => (/[.!?]$/.test(s) ? s : `${s}.`));
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** Lines that name the product or brand, richest first within each role. */
function hooksOf(s: VoiceoverSource): string[] {
  return [`Meet ${s.productName} from ${s.brandName}.`, `${s.productName} from ${s.brandName}.`];
}

function callsToActionOf(s: VoiceoverSource): (string | undefined)[] {
  return [`${s.brandName} ${s.productName}. Yours today.`, `${s.brandName}. Yours today.`, "Yours today.", undefined];
}

function nameLinesOf(s: VoiceoverSource): string[] {
  return [`Only from ${s.brandName}.`, `Ask for ${s.productName}.`];
}

/** What the Visual DNA found, as lines a voice can say: its colours, its mood and light, its description. */
export function dnaLines(dna: VisualDna): string[] {
  const colours = [...new Set(dna.palette.map(colourName))].slice(0, 3);
  const colourList = colours.length > 1 ? `${colours.slice(0, -1).join(", ")} and ${colours.at(-1)}` : colours[0];
  // Sizes and other asides in brackets are for the video model, not the listener.
  const description = dna.productDescription.replace(/\s*\([^)]*\)/g, "").trim();
  return [
    `In ${colourList}.`,
    `${sentence(dna.mood.trim())}, in ${dna.lighting.trim()}.`,
    /[.!?]$/.test(description) ? description : `${description}.`,
  ].filter(hasWords);
}

/**
 * Adds candidates in order while each brings the total closer to the target (or the total is still
 * under the band) without passing the band's top. Seconds add up over sentences, so each line is
 * estimated once.
 */
function fill(start: number, candidates: string[], band: ComposerBand, pace: SpeechPace) {
  const body: string[] = [];
  let seconds = start;
  for (const line of candidates) {
    const next = seconds + speechSeconds(line, pace);
    if (next > band.highSec) continue;
    if (seconds < band.lowSec || Math.abs(next - band.targetSec) < Math.abs(seconds - band.targetSec)) {
      body.push(line);
      seconds = next;
    }
  }
  return { body, seconds };
}

/** Lines the composer may add between the hook and the call to action, in the order they are said. */
function candidatesOf(s: VoiceoverSource, dna: VisualDna | undefined): string[] {
  const brief = briefSentences(s.brief);
  // The brief once more at the end: a short brief is the ad's own slogan.
  return [...brief, ...(dna ? dnaLines(dna) : []), ...nameLinesOf(s), ...brief];
}

/**
 * The richest hook and call to action that, filled with the candidates, lands in the band; null when
 * none does. With `dna` undefined, only what is known before the charge is used.
 */
export function planVoiceover(
  s: VoiceoverSource,
  videoSec: number,
  settings: VoiceoverSettings,
  dna?: VisualDna,
): VoiceoverPlan | null {
  const band = composerBand(voiceoverWindow(videoSec, settings));
  const pace = settings.voiceFit;
  const candidates = candidatesOf(s, dna);
  for (const hook of hooksOf(s)) {
    for (const cta of callsToActionOf(s)) {
      const start = speechSeconds(hook, pace) + (cta ? speechSeconds(cta, pace) : 0);
      if (start > band.highSec) continue;
      const { body, seconds } = fill(start, candidates, band, pace);
      if (seconds >= band.lowSec) return { hook, body, ...(cta && { cta }), seconds };
    }
  }
  return null;
}

function fitsAt(s: VoiceoverSource, sceneSeconds: number, settings: VoiceoverSettings): VoiceoverPlan | null {
  return planVoiceover(s, s.scenes * sceneSeconds, settings);
}

/**
 * Before the charge: can the composer fill `s.scenes` scenes of `sceneSeconds`? If not, why, and the
 * nearest scene count (from `minScenes` to `maxScenes`) that it can fill, if any.
 */
export function voiceoverFit(
  s: VoiceoverSource,
  sceneSeconds: number,
  settings: VoiceoverSettings,
  scenesAllowed: { minScenes: number; maxScenes: number },
): VoiceoverFit {
  const plan = fitsAt(s, sceneSeconds, settings);
  if (plan) return { fits: true, seconds: plan.seconds };
  const pace = settings.voiceFit;
  const videoSec = s.scenes * sceneSeconds;
  const band = composerBand(voiceoverWindow(videoSec, settings));
  const counts = Array.from(
    { length: Math.max(0, scenesAllowed.maxScenes - scenesAllowed.minScenes + 1) },
    (_, i) => scenesAllowed.minScenes + i,
  );
  const fitting = (scenes: number) => fitsAt({ ...s, scenes }, sceneSeconds, settings) !== null;
  const everything = [hooksOf(s)[0], ...candidatesOf(s, undefined), callsToActionOf(s)[0]!];
  const mostSec = everything.reduce((sum, line) => sum + speechSeconds(line, pace), 0);
  if (mostSec < band.lowSec) {
    return {
      fits: false,
      why: "too_little",
      givesSec: mostSec,
      needsSec: band.lowSec,
      videoSec,
      fitsWithScenes: [...counts].reverse().find((n) => n < s.scenes && fitting(n)) ?? null,
    };
  }
  return {
    fits: false,
    why: "too_long",
    givesSec: Math.min(...hooksOf(s).map((hook) => speechSeconds(hook, pace))),
    needsSec: band.highSec,
    videoSec,
    fitsWithScenes: counts.find((n) => n > s.scenes && fitting(n)) ?? null,
  };
}
