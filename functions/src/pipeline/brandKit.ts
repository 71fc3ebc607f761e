/**
 * The owner's brand kit, taken by a run when it starts: read, checked (its logo too, as a logo is
 * checked at upload: the bucket's rules alone cannot see transparency) and its logo copied to the
 * run's own folder, so a later edit or a deleted logo never changes the run.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { logger } from "firebase-functions";
import { BrandKitSchema, type BrandKit } from "../contract/brand";
import { objects, paths } from "../contract/paths";
import { checkLogo } from "../brand/logo";
import { brandRunMessages } from "../brand/messages";
import { PipelineFailure } from "../contract/failure";
import type { PipelineDeps } from "./deps";
import { withWorkspace } from "./workspace";

function refuse(reason: string, userMessage: string): PipelineFailure {
  return new PipelineFailure({ stage: "preflight", reason, userMessage, requiresRefund: false });
}

/** The kit as stored, or the defaults when the owner never saved one. */
export async function loadBrandKit(deps: Pick<PipelineDeps, "db">, uid: string): Promise<BrandKit> {
  const snapshot = await deps.db.doc(paths.brandKit(uid)).get();
  const parsed = BrandKitSchema.safeParse(snapshot.data() ?? {});
  if (!parsed.success) throw refuse(`brand_kit_invalid: ${parsed.error.message}`, brandRunMessages.kitInvalid);
  return parsed.data;
}

/** The kit as this run keeps it: its logo checked and copied to `runs/{runId}/`. */
export async function takeBrandKit(
  deps: Pick<PipelineDeps, "db" | "store" | "workDir">,
  runId: string,
  uid: string,
): Promise<BrandKit> {
  const kit = await loadBrandKit(deps, uid);
  if (kit.logo === null) return kit;
  if (!kit.logo.startsWith(`brand/${uid}/`)) throw refuse("brand_logo_foreign", brandRunMessages.kitInvalid);
  const size = await deps.store.size(kit.logo);
  if (size === null) throw refuse("brand_logo_missing", brandRunMessages.logoMissing);
  const bytes = await deps.store.read(kit.logo);
  const verdict = await checkLogo(bytes);
  if (!verdict.ok) throw refuse(`brand_logo_${verdict.code}`, brandRunMessages.logo(verdict.message));
  const copy = objects.runLogo(runId, verdict.format);
  await withWorkspace(deps.workDir, `logo-${runId}`, async (dir) => {
    const file = path.join(dir, `logo.${verdict.format}`);
    await writeFile(file, bytes);
    await deps.store.upload(file, copy, `image/${verdict.format}`);
  });
  logger.info("brand kit taken", { runId, logo: copy, width: verdict.width, height: verdict.height });
  return { ...kit, logo: copy };
}
