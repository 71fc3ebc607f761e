/** Where each scene's line is spoken in the fitted voice: placed by its measured pauses, pure. */
import { timeVoiceLines } from "../../src/media/voiceTiming";

const scenes = (...narrations: string[]) => narrations.map((narration) => ({ narration, durationSec: 4 }));
const silence = (startSec: number, endSec: number) => ({ startSec, endSec });

test("each boundary sits in the pause nearest to where the lines' share of the words puts it", () => {
  // 0.2 s of lead-in, speech to 7.4 s with pauses at 2.5, 3.1 and 5.2 s, then the padded tail.
  const timing = timeVoiceLines({
    durationSec: 8,
    silences: [silence(0, 0.2), silence(2.5, 2.7), silence(3.1, 3.25), silence(5.2, 5.4), silence(7.4, 8)],
    scenes: scenes("Meet the lamp of your evenings.", "Warm light.", "Order it today."),
  });
  expect(timing.speech).toEqual({ startSec: 0.2, endSec: 7.4 });
  expect(timing.scenes.map((s) => s.video)).toEqual([
    { startSec: 0, endSec: 4 },
    { startSec: 4, endSec: 8 },
    { startSec: 8, endSec: 12 },
  ]);
  expect(timing.scenes.map((s) => s.line)).toEqual([
    { startSec: 0.2, endSec: 3.1, placed: "pause" },
    { startSec: 3.25, endSec: 5.2, placed: "pause" },
    { startSec: 5.4, endSec: 7.4, placed: "pause" },
  ]);
  expect(timing.silences).toHaveLength(5);
});

test("with no pause near a boundary, the estimate is the boundary and the lines say so", () => {
  const timing = timeVoiceLines({
    durationSec: 8,
    silences: [silence(7, 8)],
    scenes: scenes("Lamp one, bright.", "Lamp two, bright."), // as many letters each
  });
  expect(timing.speech).toEqual({ startSec: 0, endSec: 7 });
  expect(timing.scenes.map((s) => s.line)).toEqual([
    { startSec: 0, endSec: 3.5, placed: "estimate" },
    { startSec: 3.5, endSec: 7, placed: "estimate" },
  ]);
});

test("lines stay in order and inside the speech, each pause used once", () => {
  const timing = timeVoiceLines({
    durationSec: 6,
    silences: [silence(1, 1.2), silence(5.5, 6)],
    scenes: scenes("A.", "Bee.", "Sea and more words here.", "Dee."),
  });
  const lines = timing.scenes.map((s) => s.line!);
  for (const [i, line] of lines.entries()) {
    expect(line.startSec).toBeGreaterThanOrEqual(i === 0 ? 0 : lines[i - 1].endSec);
    expect(line.endSec).toBeGreaterThanOrEqual(line.startSec);
    expect(line.endSec).toBeLessThanOrEqual(5.5);
  }
  expect(lines.filter((l) => l.placed === "pause").length).toBeLessThan(lines.length);
});

test("a silent voice has no speech and no lines; one scene's line is the whole speech", () => {
  const silent = timeVoiceLines({ durationSec: 4, silences: [silence(0, 4)], scenes: scenes("Hello there.") });
  expect(silent).toEqual({
    durationSec: 4,
    speech: null,
    silences: [silence(0, 4)],
    scenes: [{ sceneNumber: 1, video: { startSec: 0, endSec: 4 }, line: null }],
  });
  const one = timeVoiceLines({
    durationSec: 4,
    silences: [silence(1.5, 1.7), silence(3.6, 4)],
    scenes: scenes("Hi. There."),
  });
  expect(one.scenes[0].line).toEqual({ startSec: 0, endSec: 3.6, placed: "pause" });
});
