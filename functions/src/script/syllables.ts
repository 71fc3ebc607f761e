/**
 * How long a text takes to say, from its syllables: "Hydrating Hyaluronic Moisturiser" is three words
 * but twelve syllables, and a voice takes as long as the syllables. Pure (the page uses it too).
 *
 * English spelling only approximates sound, so the count is a heuristic (vowel groups, a silent final
 * e, vowel pairs said apart, spelled-out capitals, digits); measured against Flite in the tests.
 */
import { hasWords } from "../contract/run";

/** Vowel pairs said as two syllables ("ri-a", "li-on", "the-o", "du-al", "hy-a-lu-ron-ic"). */
const SAID_APART = new Set(["ia", "io", "eo", "ua", "uo", "ya", "yo", "iu", "ao"]);

/** Letters said one by one: an all-capitals token of 2 to 5 letters (LED, USB, NASA is a word but rare). */
const SPELLED = /^[A-Z]{2,5}$/;
/** Syllables of a letter said alone: W is "dou-ble-u". */
const letterSyllables = (letter: string) => (letter === "W" ? 3 : 1);

/** A digit said as part of a number: "seven", "twenty", "hundred" average about one and a half. */
const SYLLABLES_PER_DIGIT = 1.5;
/** Symbols a voice says as words. */
const SYMBOL_SYLLABLES: Record<string, number> = { "%": 2, $: 2, "&": 1, "+": 1, "€": 2, "£": 2 };

function plainLetters(word: string): string {
  return word
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
}

/** Syllables of one word of letters (lower case a-z). */
function wordSyllables(letters: string): number {
  if (letters.length === 0) return 0;
  if (letters.length <= 3) return /[aeiouy]/.test(letters) ? 1 : letters.length;
  // A final silent e ("roast", "made", "glide"), but not "-le" after a consonant ("bottle", "simple").
  let w = letters.replace(/(?<![aeiouy])e$/, "").replace(/(?<![aeiouy])es$/, "s");
  if (/[^aeiouy]le$/.test(letters)) w = `${w}e`;
  w = w.replace(/^y(?=[aeiou])/, "");
  const groups = w.match(/[aeiouy]+/g) ?? [];
  let count = 0;
  for (const group of groups) {
    count += 1;
    for (let i = 0; i + 1 < group.length; i++) if (SAID_APART.has(group.slice(i, i + 2))) count += 1;
  }
  // "-ed" after t or d is its own syllable ("roasted"); after other consonants it is not ("brewed").
  if (/[^td]ed$/.test(letters) && count > 1) count -= 1;
  return Math.max(1, count);
}

/** Syllables of a token as written (a word, a number, a symbol, or a mix like "4K" or "100%"). */
function tokenSyllables(token: string): number {
  let count = 0;
  for (const [symbol, syllables] of Object.entries(SYMBOL_SYLLABLES)) if (token.includes(symbol)) count += syllables;
  const digits = token.replace(/[^0-9]/g, "").length;
  count += Math.ceil(digits * SYLLABLES_PER_DIGIT);
  for (const part of token.split(/[^\p{L}']+/u).filter(Boolean)) {
    if (SPELLED.test(part)) count += [...part].reduce((sum, letter) => sum + letterSyllables(letter), 0);
    else count += wordSyllables(plainLetters(part));
  }
  return count;
}

/** Syllables of a text as a voice says it. */
export function syllables(text: string): number {
  return text
    .split(/[\s/–—-]+/)
    .filter(Boolean)
    .reduce((sum, token) => sum + tokenSyllables(token), 0);
}

/** The sentences a voice says in `text`: each ends at . ! or ? (a last one without them counts too). */
export function sentenceCount(text: string): number {
  const trimmed = text.trim();
  if (!hasWords(trimmed)) return 0;
  const ends = (trimmed.match(/[.!?]+(?=\s|$)/g) ?? []).length;
  return /[.!?]$/.test(trimmed) ? ends : ends + 1;
}

/** A voice's pace: seconds per syllable, and what each sentence adds (see VoiceFit). */
export interface SpeechPace {
  syllablesPerSec: number;
  sentencePauseSec: number;
}

/** How long after it starts a voice at `pace` stops speaking `text` (estimated; additive over sentences). */
export function speechSeconds(text: string, pace: SpeechPace): number {
  return syllables(text) / pace.syllablesPerSec + sentenceCount(text) * pace.sentencePauseSec;
}

/**
 * Words of ordinary ad copy that take about `seconds` to say at `pace`, for asking a model (which counts
 * words, not syllables) for a length: ad copy averages about 1.6 syllables a word (everyday English 1.5;
 * our sample ad sentences, names included, 1.8) and 7 words a sentence.
 */
const SYLLABLES_PER_WORD = 1.6;
const WORDS_PER_SENTENCE = 7;
export function wordsToSay(seconds: number, pace: SpeechPace): number {
  const secondsPerWord = SYLLABLES_PER_WORD / pace.syllablesPerSec + pace.sentencePauseSec / WORDS_PER_SENTENCE;
  return Math.round(seconds / secondsPerWord);
}
