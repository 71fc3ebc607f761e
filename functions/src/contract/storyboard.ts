import type { Timestamp } from "firebase-admin/firestore";

/**
 * The storyboard a customer looks at, edits and approves before any credit is taken
 * (`runs/{runId}.storyboard`, status `awaiting_approval`). What is approved is what the video starts
 * from: each scene's `startFrame` is the frame its clip begins with.
 */
export interface StoryboardScene {
  sceneNumber: number;
  title: string;
  /** What the scene shows, in the customer's words (the script's shot). */
  shows: string;
  /** The voice-over line of the scene. */
  narration: string;
  durationSec: number;
  /** Storage path of the scene's start frame (PNG). */
  startFrame: string;
}

/** Why a storyboard version exists. */
export type StoryboardCause = "generated" | "edited" | "new_script";

export interface StoryboardVersion {
  /** 1 for the first storyboard, +1 for every change; only the latest can be approved. */
  version: number;
  cause: StoryboardCause;
  headline: string;
  callToAction: string;
  scenes: StoryboardScene[];
  totalSec: number;
  /** Credits the approval will take. */
  priceCredits: number;
  createdAt: Timestamp;
}

/**
 * A change the owner writes while the run awaits approval, aimed at the version it was made on.
 * Fields left out stay as they are; `newScript` asks for a new script (a bounded number of times).
 */
export interface StoryboardEdit {
  version: number;
  headline?: string;
  callToAction?: string;
  lines?: { sceneNumber: number; narration: string }[];
  newScript?: boolean;
}

/** The owner's answer to a storyboard: approve that version (and pay), or cancel (uncharged). */
export interface StoryboardAnswer {
  version: number;
  approve: boolean;
}
