/**
 * What happens when a client creates a run: validate the request and the ad's length, check the
 * image, and either charge and start, or wait for the user's confirmation. Nothing is charged before.
 */
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { FaultsSchema } from "../contract/faults";
import { RUN_ID_PATTERN, paths } from "../contract/paths";
import { MAX_SCENES, RunInputSchema, type PreflightReport, type RunInput } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import { writeNotification } from "../ledger/notifications";
import { failRun } from "../lifecycle/runStore";
import { applyTransition, minutesAfter, transitionRun, transitions } from "../lifecycle/transitions";
import { frameSize } from "../media/clip";
import { userMessages } from "../messages";
import { adTooShort, loadPipelineSettings, minScenesFor, type PipelineSettings } from "../pipelineSettings";
import { cohortFor, loadRolloutFlag } from "../rollout/flag";
import { voiceoverFit } from "../script/voiceoverPlan";
import type { PipelineDeps } from "./deps";
import { PipelineFailure, isPipelineFailure } from "../contract/failure";
import { reserveStoryboard, startAfterPreflight } from "./storyboard";

/** Uploads larger than this are refused before they are read into memory. */
export const MAX_UPLOAD_BYTES = 15 * 1024 * 1024;

function refuse(reason: string, userMessage: string): PipelineFailure {
  return new PipelineFailure({ stage: "preflight", reason, userMessage, requiresRefund: false });
}

function describeFraming({ framing }: PreflightReport): string {
  if (!framing) return "no framing measured";
  return `fill ${framing.fill.toFixed(4)}, product share ${framing.productShare.toFixed(4)}`;
}

function formatIssues(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join(".") || "input"}: ${i.message}`).join("; ");
}

/** Validates what the client wrote; throws PipelineFailure with a message the user can act on. */
export function validateRequest(runId: string, run: RunDocument, isEmulator: boolean): RunInput {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw refuse("invalid_run_id", userMessages.invalidInput("the run id may use letters, digits, - and _ only"));
  }
  const input = RunInputSchema.safeParse(run.input);
  if (!input.success)
    throw refuse(`invalid_input: ${formatIssues(input.error)}`, userMessages.invalidInput(formatIssues(input.error)));
  if (run.test !== undefined) {
    if (!isEmulator) throw refuse("faults_refused", userMessages.faultsRefused);
    const faults = FaultsSchema.safeParse(run.test?.faults ?? {});
    if (!faults.success) {
      throw refuse(
        `invalid_faults: ${formatIssues(faults.error)}`,
        userMessages.invalidInput(formatIssues(faults.error)),
      );
    }
  }
  if (!input.data.image.startsWith(`uploads/${run.uid}/`)) {
    throw refuse("foreign_image", userMessages.invalidInput("the image must be one of your own uploads"));
  }
  return input.data;
}

/**
 * Why an ad of this length cannot be made from this input, before any charge: shorter than the
 * settings allow (minAdSeconds), or a voice-over the names and brief cannot fill or the names alone
 * overfill (voiceoverFit). Null when it can. Pure: the page's form decides the same way.
 */
export function lengthRefusal(
  input: RunInput,
  settings: Pick<PipelineSettings, "sceneSeconds" | "minAdSeconds" | "voiceFit" | "qualityGate">,
): PipelineFailure | null {
  const minScenes = minScenesFor(settings);
  if (adTooShort(input, settings)) {
    return refuse(
      "ad_too_short",
      userMessages.adTooShort(input.scenes, settings.sceneSeconds, minScenes, settings.minAdSeconds),
    );
  }
  const fit = voiceoverFit(input, settings.sceneSeconds, settings, { minScenes, maxScenes: MAX_SCENES });
  if (fit.fits) return null;
  return refuse(
    `${fit.why === "too_little" ? "brief_too_short" : "names_too_long"}: ` +
      `${fit.givesSec.toFixed(1)}s of voice-over for ${fit.videoSec}s`,
    userMessages.voiceoverDoesNotFit(fit),
  );
}

export async function handleRunCreated(runId: string, deps: PipelineDeps): Promise<void> {
  const { db } = deps;
  const flag = await loadRolloutFlag(db);
  const started = await transitionRun(db, runId, (run) => transitions.startPreflight(cohortFor(String(run.uid), flag)));
  if (started.kind !== "applied") return;
  const claimed = started.run;
  try {
    const input = validateRequest(runId, claimed, deps.isEmulator);
    const settings = await loadPipelineSettings(db);
    // Before the image is read: an ad its voice-over cannot fill would fail the quality gate after the charge.
    const tooShort = lengthRefusal(input, settings);
    if (tooShort) throw tooShort;
    // A storyboard's models are paid before any charge: bounded per customer, before any work.
    if (settings.approval === "required") await reserveStoryboard(db, claimed.uid, Date.now(), settings);
    const size = await deps.store.size(input.image);
    if (size === null) throw refuse("image_not_found", userMessages.imageMissing(input.image));
    if (size > MAX_UPLOAD_BYTES) {
      throw refuse(
        "FILE_TOO_LARGE",
        userMessages.invalidInput(`the image is larger than ${MAX_UPLOAD_BYTES >> 20} MB`),
      );
    }
    const report = await deps.preflight.check(await deps.store.read(input.image), {
      frame: frameSize(input.aspectRatio),
      gates: settings.framing,
      floor: settings.imageFloor,
    });
    if (report.refused) {
      throw new PipelineFailure({
        stage: "preflight",
        reason: `framing_refused: ${report.warnings.map((w) => w.code).join(", ")} (${describeFraming(report)})`,
        userMessage: userMessages.framingRefused(report.warnings.map((w) => w.message)),
        requiresRefund: false,
        record: { preflight: report },
      });
    }
    if (!report.safeToProceed) {
      // Applied only if the run is still in preflight: a slow check of a run the sweeper
      // already failed leaves it failed.
      const ref = db.doc(paths.run(runId));
      const asked = await db.runTransaction(async (tx) => {
        const run = (await tx.get(ref)).data() as RunDocument | undefined;
        const now = Timestamp.now();
        const result = applyTransition(
          tx,
          ref,
          run,
          transitions.awaitConfirmation(report, now, minutesAfter(now, settings.confirmationTimeoutMinutes)),
        );
        if (result.kind !== "applied") return result;
        writeNotification(
          tx,
          db,
          claimed.uid,
          `confirm_${runId}`,
          runId,
          "awaiting_confirmation",
          {
            title: "Please review your image",
            body: report.warnings.map((w) => w.message).join(" "),
          },
          now,
        );
        return result;
      });
      logger.info("preflight asks for confirmation", { runId, outcome: asked.kind });
      return;
    }
    const outcome = await startAfterPreflight(db, runId, settings, report);
    logger.info("start after preflight", { runId, outcome });
  } catch (error) {
    const failure = isPipelineFailure(error)
      ? error
      : refuse(`preflight_error: ${(error as Error).message}`, userMessages.unexpected("preflight"));
    if (!isPipelineFailure(error)) logger.error("preflight crashed", { runId, error: String(error) });
    // Only a run still in its preflight: a late failure never reopens or re-fails a run.
    await failRun(db, runId, failure, { status: ["preflight"] });
  }
}
