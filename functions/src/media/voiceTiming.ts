/**
 * Where each scene's line is spoken in the fitted voice-over. The voice is recorded in one piece (one
 * call, one voice, natural joins between sentences), so the lines' edges are measured afterwards: the
 * silences of the fitted voice (silencedetect, in the pass that writes it) are its pauses, and each
 * boundary between two lines is the pause nearest to where the lines' share of the spoken characters
 * puts it. Where no pause is near, the estimate itself is the boundary, and the line says so. Pure.
 */
import type { VoiceLine, VoiceSceneTiming, VoiceSpan, VoiceTiming } from "../contract/voice";

/** A silence touching the start or the end of the voice within this is leading or trailing silence. */
const EDGE_SEC = 0.005;

/** Spoken characters: what the voice takes time to say (letters and digits; punctuation and spaces are pauses). */
function spokenChars(line: string): number {
  return (line.match(/[\p{L}\p{N}]/gu) ?? []).length;
}

const round3 = (sec: number) => Math.round(sec * 1000) / 1000;
const span = (startSec: number, endSec: number): VoiceSpan => ({ startSec: round3(startSec), endSec: round3(endSec) });

/** The silences in order, within the voice, overlapping ones merged. */
function cleanSilences(silences: readonly VoiceSpan[], durationSec: number): VoiceSpan[] {
  const within = silences
    .map((s) => ({ startSec: Math.max(0, s.startSec), endSec: Math.min(durationSec, s.endSec) }))
    .filter((s) => s.endSec > s.startSec)
    .sort((a, b) => a.startSec - b.startSec);
  const merged: VoiceSpan[] = [];
  for (const silence of within) {
    const last = merged.at(-1);
    if (last && silence.startSec <= last.endSec) last.endSec = Math.max(last.endSec, silence.endSec);
    else merged.push({ ...silence });
  }
  return merged;
}

/** Moves `speakingSec` of speech forward from `fromSec`, stepping over the pauses on the way. */
export function afterSpeaking(fromSec: number, speakingSec: number, pauses: readonly VoiceSpan[]): number {
  let at = fromSec;
  let left = speakingSec;
  for (const pause of pauses) {
    if (pause.endSec <= at) continue;
    if (pause.startSec - at >= left) break;
    left -= Math.max(0, pause.startSec - at);
    at = Math.max(at, pause.endSec);
  }
  return at + left;
}

export interface VoiceTimingInput {
  /** Length of the fitted voice (= the video). */
  durationSec: number;
  /** Silences measured in the fitted voice. */
  silences: readonly VoiceSpan[];
  /** Each scene's narration and length, in scene order. */
  scenes: readonly { narration: string; durationSec: number }[];
}

export function timeVoiceLines(input: VoiceTimingInput): VoiceTiming {
  const { durationSec } = input;
  const silences = cleanSilences(input.silences, durationSec);
  const leading = silences[0]?.startSec !== undefined && silences[0].startSec <= EDGE_SEC ? silences[0] : undefined;
  const last = silences.at(-1);
  const trailing = last && last.endSec >= durationSec - EDGE_SEC ? last : undefined;
  const speechStart = leading?.endSec ?? 0;
  const speechEnd = trailing && trailing !== leading ? trailing.startSec : durationSec;
  let offset = 0;
  const videoSpans = input.scenes.map((scene) => {
    const video = span(offset, offset + scene.durationSec);
    offset += scene.durationSec;
    return video;
  });
  const silent = leading !== undefined && leading.endSec >= durationSec - EDGE_SEC;
  if (silent || speechEnd <= speechStart) {
    return {
      durationSec: round3(durationSec),
      speech: null,
      silences: silences.map((s) => span(s.startSec, s.endSec)),
      scenes: videoSpans.map((video, i) => ({ sceneNumber: i + 1, video, line: null })),
    };
  }
  const pauses = silences.filter((s) => s.startSec > speechStart && s.endSec < speechEnd);
  const speakingSec = speechEnd - speechStart - pauses.reduce((sum, p) => sum + (p.endSec - p.startSec), 0);
  const weights = input.scenes.map((scene) => spokenChars(scene.narration));
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  const shares = weights.map((w) => (totalWeight > 0 ? w / totalWeight : 1 / weights.length));
  // A pause further than half an average line from the estimate belongs to another line's sentences.
  const reachSec = speakingSec / input.scenes.length / 2;

  // Boundaries between consecutive lines, each at a pause (its start and end) or at its estimate.
  const boundaries: { endsAt: number; startsAt: number; atPause: boolean }[] = [];
  let cumulative = 0;
  for (let i = 0; i < input.scenes.length - 1; i++) {
    cumulative += shares[i];
    const estimate = afterSpeaking(speechStart, speakingSec * cumulative, pauses);
    const previous = boundaries.at(-1)?.startsAt ?? speechStart;
    const distance = (pause: VoiceSpan) => Math.abs((pause.startSec + pause.endSec) / 2 - estimate);
    const nearest = pauses
      .filter((pause) => pause.startSec >= previous && distance(pause) <= reachSec)
      .sort((a, b) => distance(a) - distance(b))[0];
    if (nearest) boundaries.push({ endsAt: nearest.startSec, startsAt: nearest.endSec, atPause: true });
    else {
      const at = Math.min(speechEnd, Math.max(previous, estimate));
      boundaries.push({ endsAt: at, startsAt: at, atPause: false });
    }
  }
  const scenes: VoiceSceneTiming[] = input.scenes.map((_, i) => {
    const before = boundaries[i - 1];
    const after = boundaries[i];
    const line: VoiceLine = {
      ...span(before?.startsAt ?? speechStart, after?.endsAt ?? speechEnd),
      placed: (before?.atPause ?? true) && (after?.atPause ?? true) ? "pause" : "estimate",
    };
    return { sceneNumber: i + 1, video: videoSpans[i], line };
  });
  return {
    durationSec: round3(durationSec),
    speech: span(speechStart, speechEnd),
    silences: silences.map((s) => span(s.startSec, s.endSec)),
    scenes,
  };
}
