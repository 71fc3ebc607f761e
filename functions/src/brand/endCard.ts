/** Whether a run's brand name and call to action fit its end card: pure, shared with the page's form. */
import { END_CARD_LIMITS } from "../contract/brand";
import { endCardWords } from "./messages";

export interface EndCardText {
  brandName: string;
  callToAction: string | null;
  endCard: boolean;
}

/** Why the end card cannot hold this text (one sentence per field too long), or null when it can or is off. */
export function endCardProblems(text: EndCardText): { brandName?: string; callToAction?: string } | null {
  if (!text.endCard) return null;
  const brandName = text.brandName.trim().length;
  const callToAction = text.callToAction?.trim().length ?? 0;
  const problems = {
    ...(brandName > END_CARD_LIMITS.brandName && { brandName: endCardWords.brandNameTooLong(brandName) }),
    ...(callToAction > END_CARD_LIMITS.callToAction && {
      callToAction: endCardWords.callToActionTooLong(callToAction),
    }),
  };
  return Object.keys(problems).length > 0 ? problems : null;
}
