import type { Timestamp } from "firebase-admin/firestore";
import type { AspectRatio, PreflightReport, RunStatus, Script, Stage, StageRecord, VisualDna, WorkStage } from "./run";
import type { Cohort } from "./cohorts";
import type { ClipMeasurements, MediaMeasurements } from "./measurements";
import type { PromisedVideo, QualityVerdict } from "./quality";
import type { VoiceRecord } from "./voice";
import type { MixedMusicRecord, MusicRecord } from "./music";
import type { RunBrand, RunOptions } from "./brand";
import type { StoryboardAnswer, StoryboardEdit, StoryboardVersion } from "./storyboard";

/** The output quality gate on the finished ad, recorded whether it passed or not. */
export interface QualityGateRecord extends QualityVerdict {
  promised: PromisedVideo;
  measurements: MediaMeasurements;
  /** The music under the voice as assembly measured it, when the ad has a bed. */
  music?: MixedMusicRecord;
}

/** Whether the current stage waits for a worker, is being worked on, or waits for its scene tasks. */
export type StageState = "pending" | "claimed" | "waiting";

export interface Lease {
  owner: string;
  expiresAt: Timestamp;
}

export interface RunFailureRecord {
  stage: Stage;
  reason: string;
  userMessage: string;
  refunded: boolean;
  /** Charged and not yet refunded: what the sweeper looks for when a refund delivery was lost. */
  refundDue?: boolean;
  /** Nothing charged and the user not yet told: the sweeper's cue when that delivery was lost. */
  noticeDue?: boolean;
}

/**
 * How many scenes fell back to a Ken Burns still, stored as the run's `quality` field (its stored
 * name; the output quality gate is `qualityGate`).
 */
export interface DegradationRecord {
  totalScenes: number;
  kenBurnsScenes: number;
  degradationPct: number;
}

export type Decision = "accept" | "retry" | "refund";

/**
 * `runs/{runId}` as stored. The client writes `uid`, `status: "queued"`, `input`, `test`,
 * `createdAt`, and later `confirmation` or `decision`; functions write everything else.
 */
export interface RunDocument {
  uid: string;
  status: RunStatus;
  input: unknown;
  test?: { faults?: unknown };
  createdAt?: Timestamp;
  updatedAt?: Timestamp;
  stage?: Stage;
  stageState?: StageState | null;
  lease?: Lease | null;
  /** Claims of the current stage so far; a crashed stage is retried up to a limit. */
  stageAttempt?: number;
  /** Scene render round: 0 first, +1 for each "retry" decision. */
  scenesRound?: number;
  progress?: { pct: number; message: string };
  preflight?: PreflightReport;
  confirmation?: { proceed: boolean };
  decision?: Decision;
  decisionRetriesLeft?: number;
  awaitingSince?: Timestamp;
  /** The end of a wait for the user: the rules accept the answer only before it. */
  answerBy?: Timestamp;
  credits?: { charged: number; refunded: number };
  dna?: VisualDna;
  script?: Script;
  quality?: DegradationRecord;
  /**
   * The assembled ad, waiting for the quality gate; `output` is set only when it passes. `clips`: what
   * each joined clip's encoding measured, in join order.
   */
  assembled?: { video: string; durationSec: number; clips: ClipMeasurements[]; music?: MixedMusicRecord };
  output?: { video: string; durationSec: number };
  qualityGate?: QualityGateRecord;
  failure?: RunFailureRecord;
  stages?: Partial<Record<Stage, StageRecord>>;
  aspectRatio?: AspectRatio;
  /** Rollout cohort, decided when the run starts from a stable hash of the uid. */
  cohort?: Cohort;
  decisionLog?: { decision: Decision; at: Timestamp }[];
  /** The scenes that fell back to Ken Burns, shown with the quality question. */
  staticScenes?: { scene: number; reason: string }[];
  /** The recorded voice-over, fitted to the promised length with each scene's line timed (contract/voice.ts). */
  voice?: VoiceRecord;
  /** The error of the last attempt of the current stage that was handed back for a retry. */
  lastError?: string;
  /** The latest storyboard, shown for approval before any charge (contract/storyboard.ts). */
  storyboard?: StoryboardVersion;
  /** Every earlier storyboard version of the run, oldest first. */
  storyboardHistory?: StoryboardVersion[];
  /** The owner's pending change to the latest storyboard, written by the client. */
  storyboardEdit?: StoryboardEdit;
  /** The owner's answer to the latest storyboard, written by the client. */
  storyboardAnswer?: StoryboardAnswer;
  /** Why the owner's last edit was refused, per field ("headline", "callToAction", "line 2", "newScript"). */
  storyboardEditRefused?: { version: number; reasons: { field: string; reason: string }[]; at: Timestamp };
  /** The brand kit the run used, copied when it started. */
  brand?: RunBrand;
  /** What the ad adds over its scenes, resolved when the run started. */
  options?: RunOptions;
  /** The music bed: which source served (a model, the local pad, or none) and its attempts (contract/music.ts). */
  music?: MusicRecord;
}

export type { WorkStage };
