/**
 * What each chaos run does, drawn from a seeded generator: the same seed gives the same plan.
 * Pure: no I/O here, the harness (scripts/chaos.ts) carries the plan out.
 */
import { MAX_SCENES } from "../../functions/src/contract/run";
import { seededRandom } from "../../functions/src/media/seededRandom";

export type Answer = "proceed" | "cancel" | "ignore" | "twice";
export type DecisionAnswer = "accept" | "retry" | "refund" | "ignore" | "twice";
/** The owner's answer to the storyboard: approve, ignore it, answer twice, edit then approve, approve past the deadline, cancel. */
export type StoryboardChoice = "approve" | "ignore" | "twice" | "edit_then_approve" | "late" | "cancel";
export type ImageKind = "product" | "face" | "not_an_image" | "missing";

export interface RunPlan {
  index: number;
  user: number;
  image: ImageKind;
  scenes: number;
  /** Fewer scenes than the settings allow: the run must be refused at preflight, uncharged. */
  tooShort: boolean;
  faults: Record<string, string>;
  confirmation: Answer;
  decision: DecisionAnswer;
  storyboard: StoryboardChoice;
  /** Client writes the rules must refuse, tried while the run is live. */
  hostile: HostileWrite[];
  /** Handler deliveries the harness repeats beside the emulator's own. */
  duplicate: boolean;
  /** Milliseconds after the previous run starts. */
  delayMs: number;
}

export const HOSTILE_WRITES = [
  "own_credits",
  "run_status",
  "run_credits",
  "ledger_entry",
  "refund_record",
  "other_users_run",
  "decision_while_running",
  "oversized_test",
  "unsafe_run_id",
  "notification",
  "storyboard_answer_while_running",
  "storyboard_price",
] as const;
export type HostileWrite = (typeof HOSTILE_WRITES)[number];

const FAULTS: [weight: number, faults: Record<string, string>][] = [
  [30, {}],
  [5, { visual_dna: "model_not_found" }],
  [5, { visual_dna: "all_models_down" }],
  [5, { script: "all_models_down" }],
  [5, { voice: "fail" }],
  [8, { charge: "crash_after" }],
  [10, { scenes: "celebrity:1" }],
  [4, { scenes: "fail:1" }],
  [4, { scenes: "safety:1" }],
  [5, { assembly: "fail" }],
];

function weighted<T>(random: () => number, choices: [number, T][]): T {
  const total = choices.reduce((sum, [w]) => sum + w, 0);
  let pick = random() * total;
  for (const [weight, value] of choices) {
    pick -= weight;
    if (pick < 0) return value;
  }
  return choices[choices.length - 1][1];
}

/**
 * `minScenes`: the fewest scenes the pipeline settings allow (minScenesFor). Most runs ask for that
 * many (the quickest that can succeed), some for one more, and about one in ten for one fewer
 * (when there is fewer), which the preflight must refuse before any charge.
 */
export function planRuns(seed: number, runs: number, users: number, minScenes: number): RunPlan[] {
  const random = seededRandom(seed);
  const sceneCount = (draw: number) =>
    draw < 0.1 && minScenes > 1 ? minScenes - 1 : draw < 0.7 ? minScenes : Math.min(minScenes + 1, MAX_SCENES);
  return Array.from({ length: runs }, (_, index) => {
    const image = weighted<ImageKind>(random, [
      [72, "product"],
      [20, "face"],
      [4, "not_an_image"],
      [4, "missing"],
    ]);
    const hostile = HOSTILE_WRITES.filter(() => random() < 0.08);
    const user = Math.floor(random() * users);
    const scenes = sceneCount(random());
    return {
      index,
      user,
      image,
      scenes,
      tooShort: scenes < minScenes,
      faults: weighted(random, FAULTS),
      confirmation: weighted<Answer>(random, [
        [45, "proceed"],
        [20, "cancel"],
        [20, "ignore"],
        [15, "twice"],
      ]),
      decision: weighted<DecisionAnswer>(random, [
        [25, "accept"],
        [20, "retry"],
        [20, "refund"],
        [20, "ignore"],
        [15, "twice"],
      ]),
      storyboard: weighted<StoryboardChoice>(random, [
        [45, "approve"],
        [10, "ignore"],
        [10, "twice"],
        [15, "edit_then_approve"],
        [8, "late"],
        [12, "cancel"],
      ]),
      hostile,
      duplicate: random() < 0.35,
      delayMs: Math.floor(random() * 400),
    };
  });
}
