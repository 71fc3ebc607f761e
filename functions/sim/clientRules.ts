/**
 * The client-write contract of firestore.rules as a predicate the simulator can decide in
 * microseconds. The rules themselves run only inside the Firestore emulator (there is no
 * standalone evaluator of rules_version 2 for Node), which would cost a round trip per write.
 * This is a hand translation of the rules: test/sim/clientRules.emulator.test.ts puts the simulator's
 * customers' writes, fair and hostile, to the real rules on the emulator and to this predicate,
 * and both must decide alike.
 */
import { Timestamp } from "firebase-admin/firestore";
import { RUN_ID_PATTERN } from "../src/contract/paths";
import { valuesEqual } from "./memoryFirestore";

type Data = Record<string, unknown>;

export type ClientWrite =
  | { kind: "create"; path: string; data: Data }
  | { kind: "update"; path: string; data: Data }
  | { kind: "set"; path: string; data: Data }
  | { kind: "delete"; path: string };

const TEST_FAULT_KEYS = ["visual_dna", "script", "voice", "charge", "scenes", "assembly"];
const isMap = (v: unknown): v is Data =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Timestamp);
const validText = (v: unknown, max: number) => typeof v === "string" && v.length > 0 && v.length <= max;
const onlyKeys = (m: Data, keys: string[]) => Object.keys(m).every((k) => keys.includes(k));

function validInput(input: unknown, uid: string): boolean {
  if (!isMap(input)) return false;
  const keys = ["image", "productName", "brandName", "brief", "scenes", "aspectRatio"];
  if (!["image", "productName", "brandName", "brief"].every((k) => k in input) || !onlyKeys(input, keys)) return false;
  const image = input.image;
  return (
    typeof image === "string" &&
    new RegExp(`^uploads/${uid}/[A-Za-z0-9._ -]{1,200}$`).test(image) &&
    validText(input.productName, 120) &&
    validText(input.brandName, 120) &&
    validText(input.brief, 2000) &&
    (!("scenes" in input) ||
      (Number.isInteger(input.scenes) && Number(input.scenes) >= 1 && Number(input.scenes) <= 8)) &&
    (!("aspectRatio" in input) || ["9:16", "16:9", "1:1"].includes(input.aspectRatio as string))
  );
}

function validTest(test: unknown): boolean {
  if (!isMap(test) || !onlyKeys(test, ["faults"]) || !isMap(test.faults)) return false;
  const faults = test.faults;
  return (
    onlyKeys(faults, TEST_FAULT_KEYS) && Object.values(faults).every((v) => typeof v === "string" && v.length <= 100)
  );
}

function validNewRun(run: Data, uid: string, requestTime: Timestamp): boolean {
  const required = ["uid", "status", "input", "createdAt"];
  return (
    required.every((k) => k in run) &&
    onlyKeys(run, [...required, "test"]) &&
    run.uid === uid &&
    run.status === "queued" &&
    run.createdAt instanceof Timestamp &&
    run.createdAt.isEqual(requestTime) &&
    validInput(run.input, uid) &&
    (!("test" in run) || validTest(run.test))
  );
}

/** Top-level keys whose value differs (added, removed or changed), as `diff().affectedKeys()`. */
function affectedKeys(before: Data, after: Data): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !(k in before) || !(k in after) || !valuesEqual(before[k], after[k]));
}

function beforeDeadline(run: Data, requestTime: Timestamp): boolean {
  const answerBy = run.answerBy;
  return !(answerBy instanceof Timestamp) || requestTime.toMillis() < answerBy.toMillis();
}

function answerAllowed(run: Data, next: Data, requestTime: Timestamp): boolean {
  const changed = affectedKeys(run, next);
  const confirming =
    run.status === "awaiting_confirmation" &&
    changed.every((k) => k === "confirmation") &&
    !("confirmation" in run) &&
    (valuesEqual(next.confirmation, { proceed: true }) || valuesEqual(next.confirmation, { proceed: false })) &&
    beforeDeadline(run, requestTime);
  const deciding =
    run.status === "awaiting_decision" &&
    changed.every((k) => k === "decision") &&
    (run.decision ?? null) === null &&
    ["accept", "retry", "refund"].includes(next.decision as string) &&
    (next.decision !== "retry" || Number(run.decisionRetriesLeft ?? 0) > 0) &&
    beforeDeadline(run, requestTime);
  const latest = (answer: unknown) =>
    typeof answer === "object" &&
    answer !== null &&
    (answer as Data).version === (run.storyboard as Data | undefined)?.version;
  const answeringStoryboard =
    run.status === "awaiting_approval" &&
    changed.every((k) => k === "storyboardAnswer") &&
    (run.storyboardAnswer ?? null) === null &&
    latest(next.storyboardAnswer) &&
    Object.keys(next.storyboardAnswer as Data)
      .sort()
      .join() === "approve,version" &&
    typeof (next.storyboardAnswer as Data).approve === "boolean" &&
    beforeDeadline(run, requestTime);
  // The edit's field limits are the rules' (firestore.rules validEdit); the simulator writes none.
  const editingStoryboard =
    run.status === "awaiting_approval" &&
    changed.every((k) => k === "storyboardEdit") &&
    (run.storyboardEdit ?? null) === null &&
    (run.storyboardAnswer ?? null) === null &&
    latest(next.storyboardEdit) &&
    beforeDeadline(run, requestTime);
  return confirming || deciding || answeringStoryboard || editingStoryboard;
}

/**
 * Whether firestore.rules lets the signed-in `uid` make `write`, given the document as stored
 * (`existing`) and what it would hold afterwards (`next`). Every path outside `runs/{id}` is closed
 * to client writes.
 */
export function clientWriteAllowed(
  uid: string,
  write: ClientWrite,
  existing: Data | undefined,
  next: Data | undefined,
  requestTime: Timestamp,
): boolean {
  const parts = write.path.split("/");
  if (parts.length !== 2 || parts[0] !== "runs") return false;
  if (write.kind === "delete" || !next) return false;
  if (!existing)
    return (
      write.kind !== "update" &&
      next.uid === uid &&
      RUN_ID_PATTERN.test(parts[1]) &&
      validNewRun(next, uid, requestTime)
    );
  if (write.kind === "create") return false;
  return existing.uid === uid && answerAllowed(existing, next, requestTime);
}
