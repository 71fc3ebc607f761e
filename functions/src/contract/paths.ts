/** Document paths and deterministic ids: one place, so functions, scripts and tests agree. */

/**
 * Run ids are chosen by clients (firestore.rules checks the same pattern) and end up in Cloud
 * Tasks task ids, which allow letters, digits, hyphens and underscores only.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
export const paths = {
  run: (runId: string) => `runs/${runId}`,
  scene: (runId: string, sceneId: string) => `runs/${runId}/scenes/${sceneId}`,
  scenes: (runId: string) => `runs/${runId}/scenes`,
  user: (uid: string) => `users/${uid}`,
  ledger: (uid: string) => `users/${uid}/ledger`,
  ledgerEntry: (uid: string, entryId: string) => `users/${uid}/ledger/${entryId}`,
  notification: (uid: string, id: string) => `users/${uid}/notifications/${id}`,
  refund: (runId: string) => `refunds/${runId}`,
  /** One per Checkout Session the webhook credited or refused. */
  purchase: (sessionId: string) => `purchases/${sessionId}`,
  /** Storyboards started per customer (a day's count and the last hour's starts): functions only. */
  storyboardQuota: (uid: string) => `users/${uid}/limits/storyboards`,
};

/** Who holds a video quota slot: one scene of one round. */
export const sceneHolder = (runId: string, sceneNumber: number, round: number) =>
  `${runId}/${sceneId(sceneNumber)}/r${round}`;

export const ledgerIds = {
  charge: (runId: string) => `charge_${runId}`,
  refund: (runId: string) => `refund_${runId}`,
  grant: (grantId: string) => `grant_${grantId}`,
  /** One per Checkout Session: a repeated or late webhook finds it and credits nothing. */
  purchase: (sessionId: string) => `purchase_${sessionId}`,
  /** One per Stripe event (a refund or a dispute): each delivered event takes credits back once. */
  reversal: (eventId: string) => `reversal_${eventId}`,
  /** The welcome grant: once per account. */
  welcome: (uid: string) => `grant_welcome_${uid}`,
};

/** Scene ids sort in scene order: scene_01 … scene_08. */
export const sceneId = (sceneNumber: number) => `scene_${String(sceneNumber).padStart(2, "0")}`;

/**
 * Cloud Tasks ids are unique per queue (and refused again for a while after a task ran), so an id
 * names everything that makes a dispatch legitimately new: the round (a user's retry) and the step
 * (each poll or wait of the scene's generation is a new task). A repeated dispatch of one step is a no-op.
 */
export const sceneTaskId = (runId: string, sceneNumber: number, round: number, step: number) =>
  `${runId}-${sceneId(sceneNumber)}-r${round}-s${step}`;

/** Objects in the default bucket. */
export const objects = {
  sceneClip: (runId: string, sceneId: string, round: number) => `runs/${runId}/${sceneId}-r${round}.mp4`,
  voice: (runId: string) => `runs/${runId}/voice.wav`,
  /** The voice fitted to the video's length and loudness, laid under the clips as it is. */
  fittedVoice: (runId: string) => `runs/${runId}/voice-fitted.wav`,
  /** The music bed at the video's length and the bed level, before it is ducked under the voice. */
  music: (runId: string) => `runs/${runId}/music-bed.wav`,
  /** The assembled ad before the quality gate: delivered (copied to `output`) only if it passes. */
  assembled: (runId: string) => `runs/${runId}/assembled.mp4`,
  output: (uid: string, runId: string) => `outputs/${uid}/${runId}.mp4`,
  /** A scene's start frame in one storyboard version (a new script makes new frames). */
  startFrame: (runId: string, version: number, sceneId: string) =>
    `runs/${runId}/storyboard-v${version}-${sceneId}.png`,
};
