/**
 * What the customer typed in the new-video form, kept for the signed-in user so a reload loses
 * nothing, until the run is created. The photo is not kept: a browser never restores a chosen file.
 */

/** The form's own field ids, in the form's order. */
export const DRAFT_FIELDS = ["product", "brand", "brief", "scenes", "aspect", "cta"] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];
export type Draft = Partial<Record<DraftField, string>>;

/** One draft per user, so whoever signs in next in the same tab never sees another's text. */
export const draftKey = (uid: string): string => `fairshot.newVideoDraft.${uid}`;

/** A stored draft, read defensively: anything unreadable or of the wrong shape counts as no draft. */
export function parseDraft(stored: string | null): Draft {
  if (!stored) return {};
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const draft: Draft = {};
  for (const field of DRAFT_FIELDS) {
    const text = (value as Record<string, unknown>)[field];
    if (typeof text === "string") draft[field] = text;
  }
  return draft;
}

/** What to store for the fields as they are now; null when nothing was typed (no draft to keep). */
export function serializeDraft(
  values: Record<DraftField, string>,
  defaults: Record<DraftField, string>,
): string | null {
  const changed = DRAFT_FIELDS.some((field) => values[field] !== defaults[field]);
  if (!changed) return null;
  const draft: Draft = {};
  for (const field of DRAFT_FIELDS) draft[field] = values[field];
  return JSON.stringify(draft);
}
