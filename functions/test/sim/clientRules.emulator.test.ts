/**
 * The simulator decides its customers' writes with clientRules.ts, a hand translation of
 * firestore.rules. Here the same writes go to the real rules on the Firestore emulator and both
 * must decide alike: the writes the simulator's customers make (runs, answers in time and late,
 * answers twice) and its hostile ones.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { deleteDoc, doc, serverTimestamp, setDoc, Timestamp, updateDoc, type Firestore } from "firebase/firestore";
import { clientWriteAllowed, type ClientWrite } from "../../sim/clientRules";

type Data = Record<string, unknown>;

let env: RulesTestEnvironment;
const [host, port] = String(process.env.FIRESTORE_EMULATOR_HOST).split(":");
const HOUR_MS = 3_600_000;

beforeAll(async () => {
  env = await initializeTestEnvironment({
    projectId: "demo-fairshot-sim-rules",
    firestore: {
      rules: readFileSync(path.resolve(__dirname, "..", "..", "..", "firestore.rules"), "utf8"),
      host,
      port: Number(port),
    },
  });
});
afterAll(() => env.cleanup());
beforeEach(() => env.clearFirestore());

/** The runs stored before each write, as the pipeline leaves them. `at` is milliseconds from now. */
const at = (offsetMs: number) => ({ at: offsetMs });
const STORED: Record<string, Data> = {
  confirming: { uid: "alice", status: "awaiting_confirmation", answerBy: at(HOUR_MS) },
  confirmingLate: { uid: "alice", status: "awaiting_confirmation", answerBy: at(-HOUR_MS) },
  confirmed: { uid: "alice", status: "awaiting_confirmation", answerBy: at(HOUR_MS), confirmation: { proceed: true } },
  deciding: {
    uid: "alice",
    status: "awaiting_decision",
    answerBy: at(HOUR_MS),
    decision: null,
    decisionRetriesLeft: 1,
  },
  noRetries: {
    uid: "alice",
    status: "awaiting_decision",
    answerBy: at(HOUR_MS),
    decision: null,
    decisionRetriesLeft: 0,
  },
  decided: {
    uid: "alice",
    status: "awaiting_decision",
    answerBy: at(HOUR_MS),
    decision: "accept",
    decisionRetriesLeft: 1,
  },
  decidingLate: { uid: "alice", status: "awaiting_decision", answerBy: at(-HOUR_MS), decision: null },
  running: { uid: "alice", status: "running", credits: { charged: 10, refunded: 0 } },
};

const input = (overrides: Data = {}) => ({
  image: "uploads/alice/photo.jpg",
  productName: "Desk Lamp",
  brandName: "Halden",
  brief: "A warm lamp for late work.",
  scenes: 2,
  ...overrides,
});
const newRun = (overrides: Data = {}, inputOverrides: Data = {}) => ({
  uid: "alice",
  status: "queued",
  input: input(inputOverrides),
  createdAt: "request.time",
  ...overrides,
});

const CASES: [string, string, ClientWrite][] = [
  ["a new run", "alice", { kind: "create", path: "runs/new1", data: newRun() }],
  [
    "a new run with test faults",
    "alice",
    { kind: "create", path: "runs/new1", data: newRun({ test: { faults: { charge: "crash_after" } } }) },
  ],
  [
    "a new run with an unknown fault stage",
    "alice",
    { kind: "create", path: "runs/new1", data: newRun({ test: { faults: { payment: "x" } } }) },
  ],
  ["a new run already running", "alice", { kind: "create", path: "runs/new1", data: newRun({ status: "running" }) }],
  ["a new run for another user", "alice", { kind: "create", path: "runs/new1", data: newRun({ uid: "bob" }) }],
  [
    "a new run with another user's upload",
    "alice",
    { kind: "create", path: "runs/new1", data: newRun({}, { image: "uploads/bob/photo.jpg" }) },
  ],
  [
    "a new run with an empty product name",
    "alice",
    { kind: "create", path: "runs/new1", data: newRun({}, { productName: "" }) },
  ],
  ["a new run of 9 scenes", "alice", { kind: "create", path: "runs/new1", data: newRun({}, { scenes: 9 }) }],
  [
    "a new run with credits",
    "alice",
    { kind: "create", path: "runs/new1", data: newRun({ credits: { charged: 0, refunded: 0 } }) },
  ],
  ["a new run over an existing one", "alice", { kind: "create", path: "runs/running", data: newRun() }],
  ["proceed in time", "alice", { kind: "update", path: "runs/confirming", data: { confirmation: { proceed: true } } }],
  ["cancel in time", "alice", { kind: "update", path: "runs/confirming", data: { confirmation: { proceed: false } } }],
  ["proceed late", "alice", { kind: "update", path: "runs/confirmingLate", data: { confirmation: { proceed: true } } }],
  [
    "a second confirmation",
    "alice",
    { kind: "update", path: "runs/confirmed", data: { confirmation: { proceed: false } } },
  ],
  [
    "proceed on another user's run",
    "bob",
    { kind: "update", path: "runs/confirming", data: { confirmation: { proceed: true } } },
  ],
  [
    "proceed with a status",
    "alice",
    { kind: "update", path: "runs/confirming", data: { confirmation: { proceed: true }, status: "running" } },
  ],
  ["retry in time", "alice", { kind: "update", path: "runs/deciding", data: { decision: "retry" } }],
  ["refund in time", "alice", { kind: "update", path: "runs/deciding", data: { decision: "refund" } }],
  ["retry with no retries left", "alice", { kind: "update", path: "runs/noRetries", data: { decision: "retry" } }],
  ["accept with no retries left", "alice", { kind: "update", path: "runs/noRetries", data: { decision: "accept" } }],
  ["a decision over a written one", "alice", { kind: "update", path: "runs/decided", data: { decision: "refund" } }],
  ["a decision late", "alice", { kind: "update", path: "runs/decidingLate", data: { decision: "accept" } }],
  ["an unknown decision", "alice", { kind: "update", path: "runs/deciding", data: { decision: "maybe" } }],
  ["a finished status", "alice", { kind: "update", path: "runs/running", data: { status: "succeeded" } }],
  [
    "the charge undone",
    "alice",
    { kind: "update", path: "runs/running", data: { credits: { charged: 0, refunded: 0 } } },
  ],
  ["a run deleted", "alice", { kind: "delete", path: "runs/running" }],
  ["the balance", "alice", { kind: "update", path: "users/alice", data: { credits: 1000 } }],
  [
    "a ledger grant",
    "alice",
    { kind: "create", path: "users/alice/ledger/grant_free", data: { kind: "grant", amount: 100 } },
  ],
  [
    "a refund record",
    "alice",
    { kind: "create", path: "refunds/running", data: { uid: "alice", runId: "running", amount: 10 } },
  ],
  ["a notice", "alice", { kind: "set", path: "users/alice/notifications/refund_running", data: { kind: "refunded" } }],
];

/** Stored data in the form each side reads: admin Timestamps for the predicate, web ones for the emulator. */
function stored(data: Data, nowMs: number, web: boolean): Data {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => {
      if (typeof v === "object" && v !== null && "at" in v) {
        const ms = nowMs + (v as { at: number }).at;
        return [k, web ? Timestamp.fromMillis(ms) : AdminTimestamp.fromMillis(ms)];
      }
      return [k, v];
    }),
  );
}

/** What the client SDK sends: the request time as the server's timestamp. */
const forClient = (data: Data): Data =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v === "request.time" ? serverTimestamp() : v]));

async function rulesAllow(uid: string, write: ClientWrite, nowMs: number): Promise<boolean> {
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore() as unknown as Firestore;
    for (const [id, data] of Object.entries(STORED)) await setDoc(doc(db, `runs/${id}`), stored(data, nowMs, true));
    await setDoc(doc(db, "users/alice"), { credits: 30 });
  });
  const db = env.authenticatedContext(uid).firestore() as unknown as Firestore;
  const ref = doc(db, write.path);
  try {
    if (write.kind === "delete") await deleteDoc(ref);
    else if (write.kind === "update") await updateDoc(ref, forClient(write.data));
    else await setDoc(ref, forClient(write.data));
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "permission-denied") return false;
    throw error;
  }
}

function predicateAllows(uid: string, write: ClientWrite, nowMs: number): boolean {
  const requestTime = AdminTimestamp.fromMillis(nowMs);
  const runId = write.path.startsWith("runs/") ? write.path.slice(5) : null;
  const existing =
    write.path === "users/alice"
      ? { credits: 30 }
      : runId && STORED[runId]
        ? stored(STORED[runId], nowMs, false)
        : undefined;
  if (write.kind === "delete") return clientWriteAllowed(uid, write, existing, undefined, requestTime);
  const data = Object.fromEntries(
    Object.entries(write.data).map(([k, v]) => [k, v === "request.time" ? requestTime : v]),
  );
  const next = write.kind === "update" ? (existing ? { ...existing, ...data } : undefined) : data;
  return clientWriteAllowed(uid, { ...write, data }, existing, next, requestTime);
}

test.each(CASES)("%s: the simulator's rules decide as firestore.rules", async (_name, uid, write) => {
  const nowMs = Date.now();
  const real = await rulesAllow(uid, write, nowMs);
  expect(predicateAllows(uid, write, nowMs)).toBe(real);
});

test("both sides allow some writes and refuse others (the cases are not all one way)", () => {
  const nowMs = Date.now();
  const decisions = CASES.map(([, uid, write]) => predicateAllows(uid, write, nowMs));
  expect(decisions).toContain(true);
  expect(decisions).toContain(false);
});
