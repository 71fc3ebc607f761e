/** The cloud tier's chains under the stand-ins (cloudChains.json), and lookups shared by the suite and the demo. */
import CHAINS from "./cloudChains.json";

export { CHAINS };

/** The voice entry of one provider: the chain's order may change, the provider's entry stays named. */
export function voiceOf(provider: string): (typeof CHAINS.voice)[number] {
  const entry = CHAINS.voice.find((e) => e.provider === provider);
  if (!entry) throw new Error(`cloudChains.json has no ${provider} voice`);
  return entry;
}
