/** firestore.rules against the real emulator, with @firebase/rules-unit-testing. */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  limit,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  updateDoc,
  where,
  type Firestore,
} from "firebase/firestore";

let env: RulesTestEnvironment;
const [host, port] = String(process.env.FIRESTORE_EMULATOR_HOST).split(":");

beforeAll(async () => {
  env = await initializeTestEnvironment({
    projectId: "demo-fairshot-rules",
    firestore: {
      rules: readFileSync(path.resolve(__dirname, "..", "..", "..", "firestore.rules"), "utf8"),
      host,
      port: Number(port),
    },
  });
});
afterAll(() => env.cleanup());
beforeEach(() => env.clearFirestore());

const alice = () => env.authenticatedContext("alice").firestore() as unknown as Firestore;
const bob = () => env.authenticatedContext("bob").firestore() as unknown as Firestore;

const newRun = (overrides: Record<string, unknown> = {}, input: Record<string, unknown> = {}) => ({
  uid: "alice",
  status: "queued",
  input: {
    image: "uploads/alice/bottle.jpg",
    productName: "Bottle",
    brandName: "Acme",
    brief: "A steel bottle.",
    ...input,
  },
  createdAt: serverTimestamp(),
  ...overrides,
});

async function seed(path: string, data: Record<string, unknown>) {
  await env.withSecurityRulesDisabled(async (ctx) => {
    await setDoc(doc(ctx.firestore() as unknown as Firestore, path), data);
  });
}

describe("creating a run", () => {
  test("allowed: the contract's shape, own uid, own upload, optional scenes/aspect/test", async () => {
    await assertSucceeds(setDoc(doc(alice(), "runs/r1"), newRun()));
    await assertSucceeds(
      setDoc(
        doc(alice(), "runs/r2"),
        newRun({ test: { faults: { visual_dna: "model_not_found" } } }, { scenes: 8, aspectRatio: "1:1" }),
      ),
    );
  });
  test.each([
    ["for another user", newRun({ uid: "bob" })],
    ["already running", newRun({ status: "running" })],
    ["with credits", newRun({ credits: { charged: 0, refunded: 0 } })],
    ["with a pipeline field", newRun({ output: { video: "x.mp4" } })],
    ["with someone else's upload", newRun({}, { image: "uploads/bob/bottle.jpg" })],
    ["with a path escaping uploads", newRun({}, { image: "outputs/alice/x.mp4" })],
    ["with a brief over 2000 characters", newRun({}, { brief: "x".repeat(2001) })],
    ["with 9 scenes", newRun({}, { scenes: 9 })],
    ["with an unknown aspect ratio", newRun({}, { aspectRatio: "4:3" })],
    ["with an unknown input field", newRun({}, { price: 0 })],
    ["with a client-chosen timestamp", { ...newRun(), createdAt: new Date(0) }],
    ["with a fault for an unknown stage", newRun({ test: { faults: { billing: "free" } } })],
    ["with an oversized fault", newRun({ test: { faults: { scenes: "celebrity:" + "1,".repeat(60) + "1" } } })],
    ["with a fault that is not a string", newRun({ test: { faults: { script: { nested: "x".repeat(10) } } } })],
    ["with extra test fields", newRun({ test: { faults: {}, payload: "x" } })],
  ])("refused: %s", async (_name, data) => {
    await assertFails(setDoc(doc(alice(), "runs/r1"), data));
  });
  test("run ids are safe in Cloud Tasks task ids", async () => {
    await assertSucceeds(setDoc(doc(alice(), "runs/Ab-9_z"), newRun()));
    for (const id of ["a.b", "a b", "ü", "x".repeat(101)])
      await assertFails(setDoc(doc(alice(), `runs/${id}`), newRun()));
  });
  test("refused: signed out", async () => {
    await assertFails(
      setDoc(doc(env.unauthenticatedContext().firestore() as unknown as Firestore, "runs/r1"), newRun()),
    );
  });
});

/** Every document of Alice's that a client may read, seeded below. */
const ALICES_DOCS = [
  "runs/r1",
  "runs/r1/scenes/scene_01",
  "users/alice",
  "users/alice/ledger/charge_r1",
  "users/alice/notifications/n1",
  "refunds/r1",
];

describe("reading", () => {
  beforeEach(async () => {
    await seed("runs/r1", { uid: "alice", status: "running" });
    await seed("runs/r1/scenes/scene_01", { method: "generated" });
    await seed("users/alice", { credits: 90 });
    await seed("users/alice/ledger/charge_r1", { kind: "charge", amount: -10 });
    await seed("users/alice/notifications/n1", { title: "hi" });
    await seed("refunds/r1", { uid: "alice", amount: 10 });
    await seed("config/pipeline", { runPriceCredits: 10 });
  });
  test("allowed: one's own run, scenes, balance, ledger, notifications and refunds", async () => {
    for (const p of ALICES_DOCS) {
      await assertSucceeds(getDoc(doc(alice(), p)));
    }
  });
  test("refused: anyone else's, and config other than the price", async () => {
    for (const p of ALICES_DOCS) {
      await assertFails(getDoc(doc(bob(), p)));
    }
    await seed("config/rollout", { enabled: true });
    await assertFails(getDoc(doc(alice(), "config/rollout")));
  });
  test("the pipeline settings (the price) are readable when signed in, not signed out", async () => {
    await assertSucceeds(getDoc(doc(alice(), "config/pipeline")));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore() as unknown as Firestore, "config/pipeline")));
  });
  test("listing runs: one's own, newest first; never a query that could return someone else's", async () => {
    await seed("runs/r2", { uid: "alice", status: "succeeded", createdAt: new Date(2026, 0, 2) });
    await seed("runs/r3", { uid: "bob", status: "succeeded", createdAt: new Date(2026, 0, 3) });
    await seed("runs/r1", { uid: "alice", status: "running", createdAt: new Date(2026, 0, 1) });
    const own = await assertSucceeds(
      getDocs(query(collection(alice(), "runs"), where("uid", "==", "alice"), orderBy("createdAt", "desc"), limit(5))),
    );
    expect(own.docs.map((d) => d.id)).toEqual(["r2", "r1"]);
    await assertFails(getDocs(query(collection(alice(), "runs"), orderBy("createdAt", "desc"), limit(5))));
    await assertFails(getDocs(query(collection(alice(), "runs"), where("uid", "==", "bob"))));
  });
});

describe("writing after creation", () => {
  test("confirmation only while awaiting_confirmation: {proceed: true}, or {proceed: false} to cancel", async () => {
    await seed("runs/r1", { uid: "alice", status: "awaiting_confirmation" });
    await assertFails(updateDoc(doc(bob(), "runs/r1"), { confirmation: { proceed: true } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { confirmation: { proceed: true }, status: "running" }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { confirmation: { proceed: "yes" } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { confirmation: { proceed: false, note: "x" } }));
    await assertSucceeds(updateDoc(doc(alice(), "runs/r1"), { confirmation: { proceed: true } }));
    // One answer: never replaced, not even by the same user.
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { confirmation: { proceed: false } }));
    await seed("runs/r2", { uid: "alice", status: "running" });
    await assertFails(updateDoc(doc(alice(), "runs/r2"), { confirmation: { proceed: true } }));
  });
  test("cancel: {proceed: false} while awaiting_confirmation, before the deadline only", async () => {
    const future = new Date(Date.now() + 3_600_000);
    await seed("runs/r1", { uid: "alice", status: "awaiting_confirmation", answerBy: future });
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { confirmation: { proceed: false, reason: "x" } }));
    await assertSucceeds(updateDoc(doc(alice(), "runs/r1"), { confirmation: { proceed: false } }));
    await seed("runs/r2", { uid: "alice", status: "awaiting_confirmation", answerBy: new Date(Date.now() - 1000) });
    await assertFails(updateDoc(doc(alice(), "runs/r2"), { confirmation: { proceed: false } }));
    await assertFails(updateDoc(doc(alice(), "runs/r2"), { confirmation: { proceed: true } }));
    await seed("runs/r3", { uid: "alice", status: "running" });
    await assertFails(updateDoc(doc(alice(), "runs/r3"), { confirmation: { proceed: false } }));
  });
  test("a decision is written once per question, before its deadline", async () => {
    await seed("runs/r1", { uid: "alice", status: "awaiting_decision", decision: "accept" });
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { decision: "refund" }));
    await seed("runs/r2", { uid: "alice", status: "awaiting_decision", decision: null });
    await assertSucceeds(updateDoc(doc(alice(), "runs/r2"), { decision: "refund" }));
    await seed("runs/r3", { uid: "alice", status: "awaiting_decision", answerBy: new Date(Date.now() - 1000) });
    await assertFails(updateDoc(doc(alice(), "runs/r3"), { decision: "accept" }));
  });
  test("decision only while awaiting_decision; retry only with retries left", async () => {
    await seed("runs/r1", { uid: "alice", status: "awaiting_decision", decisionRetriesLeft: 1 });
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { decision: "free video" }));
    await assertSucceeds(updateDoc(doc(alice(), "runs/r1"), { decision: "retry" }));
    await seed("runs/r2", { uid: "alice", status: "awaiting_decision", decisionRetriesLeft: 0 });
    await assertFails(updateDoc(doc(alice(), "runs/r2"), { decision: "retry" }));
    await assertSucceeds(updateDoc(doc(alice(), "runs/r2"), { decision: "refund" }));
    await seed("runs/r3", { uid: "alice", status: "running" });
    await assertFails(updateDoc(doc(alice(), "runs/r3"), { decision: "accept" }));
  });
  test("never balances, ledger, refunds, config, pipeline fields, or deletes", async () => {
    await seed("runs/r1", { uid: "alice", status: "failed", credits: { charged: 10, refunded: 0 } });
    await seed("users/alice", { credits: 90 });
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { "credits.refunded": 10 }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { status: "succeeded" }));
    await assertFails(deleteDoc(doc(alice(), "runs/r1")));
    await assertFails(updateDoc(doc(alice(), "users/alice"), { credits: 1000 }));
    await assertFails(setDoc(doc(alice(), "users/alice/ledger/grant_free"), { kind: "grant", amount: 1000 }));
    await assertFails(setDoc(doc(alice(), "refunds/r1"), { uid: "alice", amount: 10 }));
    await assertFails(setDoc(doc(alice(), "users/alice/notifications/n1"), { title: "x" }));
    await assertFails(setDoc(doc(alice(), "config/pipeline"), { runPriceCredits: 0 }));
    await assertFails(setDoc(doc(alice(), "runs/r1/scenes/scene_01"), { method: "generated" }));
  });
});

describe("the storyboard", () => {
  const future = () => new Date(Date.now() + 3_600_000);
  const awaiting = (extra: Record<string, unknown> = {}) => ({
    uid: "alice",
    status: "awaiting_approval",
    storyboard: { version: 2, headline: "Bottle by Acme" },
    answerBy: future(),
    ...extra,
  });

  test("the owner approves or cancels the latest version, once, before the deadline", async () => {
    await seed("runs/r1", awaiting());
    await assertFails(updateDoc(doc(bob(), "runs/r1"), { storyboardAnswer: { version: 2, approve: true } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardAnswer: { version: 1, approve: true } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardAnswer: { version: 2, approve: "yes" } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardAnswer: { version: 2 } }));
    await assertFails(
      updateDoc(doc(alice(), "runs/r1"), { storyboardAnswer: { version: 2, approve: true, credits: 0 } }),
    );
    await assertFails(
      updateDoc(doc(alice(), "runs/r1"), { storyboardAnswer: { version: 2, approve: true }, status: "running" }),
    );
    await assertSucceeds(updateDoc(doc(alice(), "runs/r1"), { storyboardAnswer: { version: 2, approve: true } }));
    // Answered: never replaced, and no edit after it.
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardAnswer: { version: 2, approve: false } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, headline: "New" } }));
    await seed("runs/r2", awaiting({ answerBy: new Date(Date.now() - 1000) }));
    await assertFails(updateDoc(doc(alice(), "runs/r2"), { storyboardAnswer: { version: 2, approve: false } }));
    await seed("runs/r3", awaiting({ status: "running" }));
    await assertFails(updateDoc(doc(alice(), "runs/r3"), { storyboardAnswer: { version: 2, approve: true } }));
    await seed("runs/r4", awaiting({ storyboardAnswer: null }));
    await assertSucceeds(updateDoc(doc(alice(), "runs/r4"), { storyboardAnswer: { version: 2, approve: false } }));
  });

  test("an edit: the owner's, of the latest version, bounded, one at a time, while it waits", async () => {
    await seed("runs/r1", awaiting());
    const line = (sceneNumber: unknown, narration: unknown) => ({ sceneNumber, narration });
    await assertFails(updateDoc(doc(bob(), "runs/r1"), { storyboardEdit: { version: 2, headline: "New" } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 1, headline: "New" } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2 } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, headline: "" } }));
    await assertFails(
      updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, headline: "x".repeat(121) } }),
    );
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, newScript: false } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, price: 0 } }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, lines: [] } }));
    await assertFails(
      updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, lines: [line(9, "Nine scenes")] } }),
    );
    await assertFails(
      updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, lines: [line(1, "x".repeat(401))] } }),
    );
    await assertFails(
      updateDoc(doc(alice(), "runs/r1"), {
        storyboardEdit: { version: 2, lines: Array.from({ length: 9 }, (_, i) => line((i % 8) + 1, "Words")) },
      }),
    );
    await assertFails(
      updateDoc(doc(alice(), "runs/r1"), {
        storyboardEdit: { version: 2, lines: [{ ...line(1, "Words"), extra: true }] },
      }),
    );
    await assertFails(
      updateDoc(doc(alice(), "runs/r1"), {
        storyboardEdit: { version: 2, headline: "New" },
        storyboard: { version: 9 },
      }),
    );
    await assertSucceeds(
      updateDoc(doc(alice(), "runs/r1"), {
        storyboardEdit: { version: 2, headline: "New", callToAction: "Buy it", lines: [line(1, "Fresh words")] },
      }),
    );
    // One pending edit at a time: the next waits until this one is applied or refused.
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEdit: { version: 2, newScript: true } }));
    await seed("runs/r2", awaiting({ storyboardEdit: null }));
    await assertSucceeds(updateDoc(doc(alice(), "runs/r2"), { storyboardEdit: { version: 2, newScript: true } }));
    await seed("runs/r3", awaiting({ answerBy: new Date(Date.now() - 1000) }));
    await assertFails(updateDoc(doc(alice(), "runs/r3"), { storyboardEdit: { version: 2, headline: "Late" } }));
    await seed("runs/r4", awaiting({ status: "running" }));
    await assertFails(updateDoc(doc(alice(), "runs/r4"), { storyboardEdit: { version: 2, headline: "New" } }));
  });

  test("no client writes the storyboard itself, its history, or the storyboard limits", async () => {
    await seed("runs/r1", awaiting());
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { "storyboard.priceCredits": 0 }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardHistory: [] }));
    await assertFails(updateDoc(doc(alice(), "runs/r1"), { storyboardEditRefused: null }));
    await assertFails(setDoc(doc(alice(), "users/alice/limits/storyboards"), { dayCount: 0 }));
    await assertFails(getDoc(doc(alice(), "users/alice/limits/storyboards")));
  });
});

describe("buying credits", () => {
  test("the credit packs are readable when signed in, never writable", async () => {
    await seed("config/billing", { welcomeCredits: 20, packs: {} });
    await assertSucceeds(getDoc(doc(alice(), "config/billing")));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore() as unknown as Firestore, "config/billing")));
    await assertFails(setDoc(doc(alice(), "config/billing"), { welcomeCredits: 100000 }));
  });
  test("a purchase is read by its owner alone; no client credits itself", async () => {
    await seed("purchases/cs_1", { uid: "alice", credits: 50 });
    await assertSucceeds(getDoc(doc(alice(), "purchases/cs_1")));
    await assertFails(getDoc(doc(bob(), "purchases/cs_1")));
    // Back from Checkout before the webhook: waiting on a session not written yet is allowed.
    await assertSucceeds(getDoc(doc(alice(), "purchases/cs_not_yet")));
    await assertFails(
      getDoc(doc(env.unauthenticatedContext().firestore() as unknown as Firestore, "purchases/cs_not_yet")),
    );
    await assertFails(setDoc(doc(alice(), "purchases/cs_2"), { uid: "alice", credits: 50 }));
    await assertFails(updateDoc(doc(alice(), "purchases/cs_1"), { credits: 5000 }));
    await assertFails(
      setDoc(doc(alice(), "users/alice/ledger/purchase_cs_2"), { kind: "purchase", amount: 50, sessionId: "cs_2" }),
    );
    await assertFails(setDoc(doc(alice(), "users/alice/ledger/grant_welcome"), { kind: "grant", amount: 20 }));
    await assertFails(setDoc(doc(alice(), "users/alice"), { credits: 20 }));
  });
});
