/**
 * `npm run deploy:check` on this project, as CI and `firebase deploy` run it: it loads the built
 * functions (functions/lib), so it runs after the build, in the emulator tier.
 */
import { deployCheck, deployCheckWith, REPO } from "./deployCheckCommand";

describe("npm run deploy:check on this project", () => {
  it("passes this project and says what it checked", () => {
    const { code, out } = deployCheck(REPO);
    expect(out).toContain("deploy:check passed");
    expect(code).toBe(0);
    expect(out).toMatch(/✔ runtime Node\.js 24: deprecated \d{4}-\d\d-\d\d, decommissioned \d{4}-\d\d-\d\d/);
    expect(out).toMatch(/✔ \d+ functions: timeout, memory, CPU, concurrency/);
    expect(out).toMatch(/✔ secrets bound to the [1-9]\d* functions that build cloud providers/);
    expect(out).toContain("firestore.rules, firestore.indexes.json, storage.rules");
  }, 120_000);

  it("asks models:check when provider keys are present, and a provider it cannot reach fails the check", () => {
    // No network here: every provider is "provider down" or not asked, never "missing": models:check
    // exits 3 (nothing found wrong, not everything asked), which a deploy with keys does not pass.
    const { code, out } = deployCheckWith({ GEMINI_API_KEY: "test-key", OPENAI_API_KEY: "test-key" }, REPO);
    expect(code).toBe(1);
    expect(out).toMatch(/text\s+1\s+primary\s+gemini\s+\S+\s+provider down/);
    expect(out).toContain("✖ model config: models:check exited 3");
  }, 120_000);
});
