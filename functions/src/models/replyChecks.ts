import { END_CARD_LIMITS } from "../contract/brand";
import type { RunInput, Script, VisualDna } from "../contract/run";
import { voiceoverWindow, type PipelineSettings, type VoiceoverSettings } from "../pipelineSettings";
import type { MusicBed, Speech } from "../contract/providers";
import { speechSeconds } from "../script/syllables";
import { decodeWav, durationSec, encodeWav, peakLevel } from "./wav";

/**
 * Checks run after schema validation: a reply that passes the schema can
 * still be worthless (generic, templated, missing scenes). Each returns the list
 * of problems found; an empty list means the output may be shipped.
 */

/** Text that only appears in templates, fallbacks and unfinished output. */
const TEMPLATE_MARKERS: RegExp[] = [
  /\(fallback\)/i,
  /\blorem\b/i,
  /\bipsum\b/i,
  /experience the ultimate upgrade/i,
  /\{\{|\}\}/,
  /\btodo\b/i,
  /\btbd\b/i,
  /\bplaceholder\b/i,
  /generic creator/i,
  /\[insert\b/i,
  /<(product|brand)[ _-]?name>/i,
];

/** Descriptions that say nothing about the actual product. */
const GENERIC_DESCRIPTIONS = [
  /^(a |an |the )?(generic |nice |great |simple )?(product|item|object|thing)( image| photo| shot)?\.?$/i,
  /^(n\/a|none|unknown|default|not available|no description)\.?$/i,
];

/** Labels in place of content: "Scene 1", "Hook", "Shot 2". */
const LABEL_ONLY = /^(scene|shot|hook|intro|outro|cta|scene description)\s*\d*\s*[.:]?$/i;

export function words(text: string): number {
  return text.trim().split(/\s+/).filter(Boolean).length;
}

export function markersIn(value: unknown): string[] {
  const text = JSON.stringify(value);
  return TEMPLATE_MARKERS.filter((marker) => marker.test(text)).map((marker) => `template marker ${marker}`);
}

/** Lowercased letters and digits only, so "Aqua-Pure" matches "AquaPure". */
function squash(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

export function visualDnaProblems(dna: VisualDna): string[] {
  const problems = markersIn(dna);
  const description = dna.productDescription.trim();
  if (words(description) < 5 || GENERIC_DESCRIPTIONS.some((pattern) => pattern.test(description))) {
    problems.push(`productDescription is generic: "${description}"`);
  }
  if (new Set(dna.palette.map((hex) => hex.toLowerCase())).size < 2) {
    problems.push("palette has fewer than 2 distinct colours");
  }
  for (const field of ["mood", "lighting", "composition"] as const) {
    if (GENERIC_DESCRIPTIONS[1].test(dna[field].trim())) problems.push(`${field} is empty of content: "${dna[field]}"`);
  }
  return problems;
}

/** What a script is asked for and judged by: the scenes' length, the voice's pace and fit, the gate's voice limits. */
export type ScriptLengthSettings = Pick<PipelineSettings, "sceneSeconds" | "voiceFit" | "qualityGate">;

export function scriptProblems(
  script: Script,
  input: Pick<RunInput, "productName" | "brandName" | "scenes">,
  settings: VoiceoverSettings,
): string[] {
  const problems = markersIn(script);
  if (script.scenes.length !== input.scenes) {
    problems.push(`has ${script.scenes.length} scenes, ${input.scenes} were asked for`);
  }
  const spoken = squash([script.headline, script.voiceover, ...script.scenes.map((s) => s.narration)].join(" "));
  if (!spoken.includes(squash(input.productName))) problems.push(`never names the product "${input.productName}"`);
  if (!spoken.includes(squash(input.brandName))) problems.push(`never names the brand "${input.brandName}"`);
  script.scenes.forEach((scene, index) => {
    const at = `scene ${index + 1}`;
    if (LABEL_ONLY.test(scene.shot.trim()) || words(scene.shot) < 4) problems.push(`${at}: shot is not a description`);
    if (LABEL_ONLY.test(scene.videoPrompt.trim()) || words(scene.videoPrompt) < 6) {
      problems.push(`${at}: videoPrompt is not a usable prompt`);
    }
    if (LABEL_ONLY.test(scene.narration.trim()) || words(scene.narration) < 2)
      problems.push(`${at}: narration is empty`);
  });
  if (new Set(script.scenes.map((s) => squash(s.videoPrompt))).size < script.scenes.length) {
    problems.push("scenes repeat the same videoPrompt");
  }
  // The end card draws the call to action whole, and the storyboard shows what the card will draw: a
  // longer one would be cut on the card after the customer approved it whole.
  const callToAction = script.callToAction?.trim() ?? "";
  if (callToAction.length > END_CARD_LIMITS.callToAction) {
    problems.push(
      `callToAction has ${callToAction.length} characters; the end card holds at most ${END_CARD_LIMITS.callToAction}`,
    );
  }
  // Written for the video's length (its scenes' durations, what the gate will hold it to): the voice fit
  // can stretch or squeeze the voice only so far before the quality gate fails the finished video
  // (voiceoverWindow), so a script outside is refused here, before any scene is paid for.
  const videoSec = script.scenes.reduce((sum, scene) => sum + scene.durationSec, 0);
  const window = voiceoverWindow(videoSec, settings);
  const saidSec = speechSeconds(script.voiceover, settings.voiceFit);
  const said = `voiceover takes about ${saidSec.toFixed(1)}s to say`;
  if (saidSec > window.longestSec) {
    problems.push(`${said}: it cannot fit in ${videoSec}s (at most ${window.longestSec.toFixed(1)}s)`);
  }
  if (saidSec < window.shortestSec) {
    problems.push(`${said}: it leaves ${videoSec}s mostly silent (at least ${window.shortestSec.toFixed(1)}s)`);
  }
  return problems;
}

/** Slowest plausible speech: anything longer per word is padding or noise. */
const MAX_SEC_PER_WORD = 1.5;
const MIN_SEC_PER_WORD = 0.1;
const SILENCE_PEAK = 0.01;

/** Checks the audio a voice model returned and measures it; the WAV is rewritten with exact chunk sizes. */
export function inspectSpeech(wav: Buffer, text: string): { speech?: Speech; problems: string[] } {
  let audio;
  try {
    audio = decodeWav(wav);
  } catch (error) {
    return { problems: [`audio is not a PCM WAV: ${(error as Error).message}`] };
  }
  const seconds = durationSec(audio);
  const wordCount = Math.max(1, words(text));
  const problems: string[] = [];
  if (seconds < wordCount * MIN_SEC_PER_WORD) problems.push(`${seconds.toFixed(2)}s of audio for ${wordCount} words`);
  if (seconds > wordCount * MAX_SEC_PER_WORD + 2) {
    problems.push(`${seconds.toFixed(2)}s of audio for ${wordCount} words`);
  }
  if (peakLevel(audio) < SILENCE_PEAK) problems.push("audio is silent");
  return problems.length ? { problems } : { speech: { wav: encodeWav(audio), durationSec: seconds }, problems };
}

/** A bed shorter than this is no bed: the shortest ad is 4 s, and a looped 2 s phrase is a jingle. */
const MIN_MUSIC_SEC = 4;

/** Checks the audio a music model returned: a PCM WAV, long enough, not silent. */
export function inspectMusic(wav: Buffer): { music?: MusicBed; problems: string[] } {
  let audio;
  try {
    audio = decodeWav(wav);
  } catch (error) {
    return { problems: [`audio is not a PCM WAV: ${(error as Error).message}`] };
  }
  const seconds = durationSec(audio);
  const problems: string[] = [];
  if (seconds < MIN_MUSIC_SEC) problems.push(`${seconds.toFixed(2)}s of music (at least ${MIN_MUSIC_SEC}s)`);
  if (peakLevel(audio) < SILENCE_PEAK) problems.push("audio is silent");
  return problems.length ? { problems } : { music: { wav: encodeWav(audio), durationSec: seconds }, problems };
}
