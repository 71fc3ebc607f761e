/**
 * `npm run deploy:check` as an operator runs it, on broken copies of a small fixture project
 * (with its own built functions): each breakage caught with a line that names the function or
 * file and the fix. The check of this project itself needs its build: deployCheckProject.emulator.test.ts.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { deployCheck, REPO } from "./deployCheckCommand";

const HEALTHY = path.join(__dirname, "..", "fixtures", "deploy", "healthy");

const copies: string[] = [];
/** A copy of the fixture project, changed by `edit`; it resolves packages from the repo's node_modules. */
function brokenCopy(edit: (root: string) => void): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "deploy-check-fixture-"));
  copies.push(root);
  cpSync(HEALTHY, root, { recursive: true });
  symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
  edit(root);
  return root;
}
function replaceIn(file: string, from: string | RegExp, to: string) {
  const text = readFileSync(file, "utf8");
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`fixture edit did not apply to ${file}`);
  writeFileSync(file, changed);
}
const functionsIndex = (root: string) => path.join(root, "functions", "lib", "index.js");

afterAll(() => {
  for (const root of copies) rmSync(root, { recursive: true, force: true });
});

describe("npm run deploy:check", () => {
  it("passes the healthy fixture", () => {
    const root = brokenCopy(() => undefined);
    const { code, out } = deployCheck(root);
    expect(out).toContain(
      "✔ secrets bound to the 2 functions that build cloud providers; STRIPE_WEBHOOK_SECRET to stripeWebhook only",
    );
    expect(code).toBe(0);
  }, 60_000);

  it("refuses a Node 20 engines field with firebase-tools' own decommission date", () => {
    const root = brokenCopy((r) =>
      replaceIn(path.join(r, "functions", "package.json"), '"node": "24"', '"node": "20"'),
    );
    const { code, out } = deployCheck(root);
    expect(code).toBe(1);
    expect(out).toContain("✖ functions/package.json engines.node: Runtime Node.js 20 was decommissioned on 2026-10-30");
    expect(out).toMatch(/fix: set "engines": \{"node": "22" or "24"\}/);
  }, 60_000);

  it("passes the project's runtime through the end of 2027", () => {
    const { code, out } = deployCheck(
      brokenCopy(() => undefined),
      "--now",
      "2027-12-31",
    );
    expect(out).toMatch(/✔ runtime Node\.js 24: deprecated 2028-04-30/);
    expect(code).toBe(0);
  }, 60_000);

  it("flags a runtime deprecated within 90 days", () => {
    const { code, out } = deployCheck(
      brokenCopy(() => undefined),
      "--now",
      "2028-03-01",
    );
    expect(code).toBe(1);
    expect(out).toMatch(/✖ functions\/package.json engines.node: Node\.js 24 is deprecated on 2028-04-30, in 60 days/);
  }, 60_000);

  it("flags Node 22 from 90 days before its deprecation", () => {
    const root = brokenCopy((r) =>
      replaceIn(path.join(r, "functions", "package.json"), '"node": "24"', '"node": "22"'),
    );
    const { code, out } = deployCheck(root, "--now", "2027-03-01");
    expect(code).toBe(1);
    expect(out).toMatch(/✖ functions\/package.json engines.node: Node\.js 22 is deprecated on 2027-04-30, in 60 days/);
  }, 60_000);

  it("names a function that builds the providers without its secret", () => {
    const root = brokenCopy((r) =>
      replaceIn(
        functionsIndex(r),
        'exports.refund = onDocumentUpdated("runs/{runId}", async () => {});',
        'exports.refund = onDocumentUpdated("runs/{runId}", async () => { pipelineDeps(); });',
      ),
    );
    const { code, out } = deployCheck(root);
    expect(code).toBe(1);
    expect(out).toContain(
      "✖ function refund: builds the cloud providers but is not bound to API_KEY — fix: add `secrets: MODEL_SECRETS`",
    );
    expect(out).not.toContain("function advance: builds");
  }, 60_000);

  it("names a Stripe secret bound to a function that never reads it, and the webhook without its own", () => {
    const root = brokenCopy((r) => {
      replaceIn(
        functionsIndex(r),
        'exports.refund = onDocumentUpdated("runs/{runId}", async () => {});',
        'exports.refund = onDocumentUpdated({ document: "runs/{runId}", secrets: [STRIPE_WEBHOOK_SECRET] }, async () => {});',
      );
      replaceIn(functionsIndex(r), "onRequest({ secrets: [STRIPE_WEBHOOK_SECRET] },", "onRequest({},");
    });
    const { code, out } = deployCheck(root);
    expect(code).toBe(1);
    expect(out).toContain("✖ function refund: is bound to STRIPE_WEBHOOK_SECRET but never reads it");
    expect(out).toContain(
      "✖ function stripeWebhook: verifies Stripe's webhook signatures but is not bound to STRIPE_WEBHOOK_SECRET",
    );
  }, 60_000);

  it("names a missing rules file", () => {
    const root = brokenCopy((r) => unlinkSync(path.join(r, "firestore.rules")));
    const { code, out } = deployCheck(root);
    expect(code).toBe(1);
    expect(out).toContain("✖ firestore.rules: is missing");
  }, 60_000);

  it("names unparsable rules and indexes", () => {
    const root = brokenCopy((r) => {
      replaceIn(path.join(r, "storage.rules"), "service firebase.storage {", "service firebase.storage {{");
      writeFileSync(path.join(r, "firestore.indexes.json"), '{"indexes": [{"collectionGroup": "runs"}]}');
    });
    const { code, out } = deployCheck(root);
    expect(code).toBe(1);
    expect(out).toContain("✖ storage.rules: has 1 bracket(s) never closed");
    expect(out).toMatch(/✖ firestore\.indexes\.json: indexes\.0\.queryScope: /);
  }, 60_000);

  it("names options Cloud Run functions refuse, and params an unattended deploy cannot resolve", () => {
    const root = brokenCopy((r) => {
      replaceIn(
        functionsIndex(r),
        "timeoutSeconds: 540, concurrency: 1, secrets: [API_KEY] },",
        "timeoutSeconds: 540, secrets: [API_KEY] },",
      );
      replaceIn(functionsIndex(r), "maxConcurrentDispatches: 4", "maxConcurrentDispatches: 6000");
      replaceIn(functionsIndex(r), '{ default: "hello", description: "What the functions say" }', "{}");
    });
    const { code, out } = deployCheck(root);
    expect(code).toBe(1);
    expect(out).toContain("✖ function advance: 2048 MB of CPU-bound work with the default concurrency of 80");
    expect(out).toContain("✖ function render: rateLimits.maxConcurrentDispatches 6000 is outside 1..5000");
    expect(out).toContain("✖ param GREETING: has no default");
    expect(out).toContain("✖ param GREETING: has no description");
  }, 60_000);

  it("names a timeout the functions SDK refuses at load", () => {
    const root = brokenCopy((r) =>
      replaceIn(functionsIndex(r), "timeoutSeconds: 540, concurrency: 1,", "timeoutSeconds: 900, concurrency: 1,"),
    );
    const { code, out } = deployCheck(root);
    expect(code).toBe(1);
    expect(out).toContain(
      "✖ functions: the functions do not load: timeoutSeconds must be between 0 and 540 for event-handling functions. Got 900.",
    );
  }, 60_000);

  it("names functions that do not load", () => {
    const root = brokenCopy((r) => writeFileSync(functionsIndex(r), 'require("./missing-module");\n'));
    const { code, out } = deployCheck(root);
    expect(code).toBe(1);
    expect(out).toMatch(/✖ functions: the functions do not load: .*missing-module/);
  }, 60_000);
});
