import { callCostUsd, costAtRate, rateAt } from "../../src/models/cost";
import { DEFAULT_MODEL_CONFIG, parseModelConfig } from "../../src/models/modelConfig";

const config = parseModelConfig(DEFAULT_MODEL_CONFIG, Date.parse("2026-12-07T12:00:00Z"));
const at = (iso: string) => Date.parse(iso);
const GEMINI_FLASH = { provider: "gemini", model: "gemini-3.8-flash" };

describe("a call's cost from the model, the usage and the date", () => {
  it("prices gemini-3.8-flash tokens at the launch rate through 2026-12-31 and doubled from 2027-01-01 00:00 UTC", () => {
    const usage = { per: "token" as const, inputTokens: 2_000, outputTokens: 1_000 };
    // 2,000 × $0.75/M + 1,000 × $3.75/M
    expect(callCostUsd(config.prices, GEMINI_FLASH, usage, at("2026-12-31T23:59:59Z"))).toBe(0.00525);
    // 2,000 × $1.50/M + 1,000 × $7.50/M
    expect(callCostUsd(config.prices, GEMINI_FLASH, usage, at("2027-01-01T00:00:00Z"))).toBe(0.0105);
  });

  it("prices generated video per second, and Cloud Text-to-Speech per character", () => {
    const veo = { provider: "gemini", model: "veo-3.1-generate-001" };
    expect(callCostUsd(config.prices, veo, { per: "video_second", seconds: 4 }, at("2026-12-07T00:00:00Z"))).toBe(1.6);
    const chirp = { provider: "google_tts", model: "Chirp3-HD" };
    const text = "Every morning starts with Morning Ritual Blend.";
    expect(callCostUsd(config.prices, chirp, { per: "character", characters: text.length }, Date.now())).toBe(
      Math.round(((text.length * 30) / 1_000_000) * 1_000_000) / 1_000_000,
    );
  });

  it("sums a run's calls exactly in micro-dollars", () => {
    const omni = { provider: "gemini", model: "gemini-omni-1.2-flash" };
    const day = at("2026-12-07T10:00:00Z");
    const calls = [
      callCostUsd(config.prices, GEMINI_FLASH, { per: "token", inputTokens: 1_234, outputTokens: 567 }, day),
      callCostUsd(config.prices, GEMINI_FLASH, { per: "token", inputTokens: 890, outputTokens: 1_011 }, day),
      ...[1, 2, 3, 4].map(() => callCostUsd(config.prices, omni, { per: "video_second", seconds: 4 }, day)),
    ];
    // 1,234 × 0.75 + 567 × 3.75 = 3,051.75 µ$ → 3,052; 890 × 0.75 + 1,011 × 3.75 = 4,458.75 → 4,459; 4 × 4 s × $0.10
    expect(calls).toEqual([0.003052, 0.004459, 0.4, 0.4, 0.4, 0.4]);
    const total = calls.reduce((sum: number, cost) => sum + (cost ?? 0), 0);
    expect(Math.round(total * 1_000_000)).toBe(1_607_511);
  });

  it("gives no cost for a model without a price, rather than a guess", () => {
    const usage = { per: "token" as const, inputTokens: 10, outputTokens: 10 };
    expect(
      callCostUsd(config.prices, { provider: "openai", model: "gpt-5.6-terra" }, usage, Date.now()),
    ).toBeUndefined();
  });

  it("refuses to cost a usage in another unit than the price (a bug, never a silent number)", () => {
    const price = config.prices["gemini/veo-3.1-generate-001"];
    expect(() => costAtRate(rateAt(price, Date.now()), { per: "token", inputTokens: 1, outputTokens: 1 })).toThrow(
      "a price per video_second cannot cost a usage per token",
    );
  });

  it("applies each dated period from its own day on", () => {
    const price = {
      source: "https://example.com/pricing",
      readOn: "2026-12-07",
      periods: [
        { rate: { per: "character" as const, perMillion: 10 } },
        { from: "2027-01-01", rate: { per: "character" as const, perMillion: 20 } },
        { from: "2027-03-01", rate: { per: "character" as const, perMillion: 5 } },
      ],
    };
    expect(rateAt(price, at("2026-12-31T23:59:59Z"))).toEqual({ per: "character", perMillion: 10 });
    expect(rateAt(price, at("2027-02-28T12:00:00Z"))).toEqual({ per: "character", perMillion: 20 });
    expect(rateAt(price, at("2027-03-01T00:00:00Z"))).toEqual({ per: "character", perMillion: 5 });
  });
});
