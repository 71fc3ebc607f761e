/** What a run takes from its input and the owner's brand kit: pure decisions. */
import type { BrandKit, RunBrand, RunOptions } from "../contract/brand";
import type { RunInput, VisualDna } from "../contract/run";

/** Each switch as the run's input says; left out, on (music: as the kit says). */
export function resolveRunOptions(input: Pick<RunInput, "options">, kit: BrandKit): RunOptions {
  return {
    captions: input.options?.captions ?? true,
    music: input.options?.music ?? kit.music,
    endCard: input.options?.endCard ?? true,
  };
}

/** The call to action the end card shows: the run's own, else the kit's, else none. */
export function resolveCallToAction(input: Pick<RunInput, "callToAction">, kit: BrandKit): string | null {
  return input.callToAction?.trim() || kit.callToAction || null;
}

/**
 * The brand a run is drawn with, once its Visual DNA is known: the kit's colours, or the palette's
 * first two (its first twice when it has one) where the kit has none.
 */
export function resolveRunBrand(
  kit: BrandKit,
  input: Pick<RunInput, "brandName" | "callToAction">,
  dna: Pick<VisualDna, "palette">,
): RunBrand {
  const [first, second = first] = dna.palette;
  return {
    brandName: input.brandName.trim(),
    logo: kit.logo,
    primaryColour: kit.primaryColour ?? first,
    secondaryColour: kit.secondaryColour ?? second,
    captionStyle: kit.captionStyle,
    callToAction: resolveCallToAction(input, kit) ?? "",
    music: kit.music,
  };
}
