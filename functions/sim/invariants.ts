/**
 * The simulator's own checks, from what it saw commit, not from the handlers' code paths:
 *   - on every commit: no run revived, no ledger movement edited, a charge only on a passed
 *     preflight or a customer's "proceed" and only once, a refund only of a failed charged run and
 *     only once, no written answer replaced (a decision leaves only by being applied, as itself), the
 *     functions' default decision only after the deadline, no notification written twice, and each
 *     balance equal to its grants − the runs charged + the runs refunded (counted from the runs'
 *     transitions, not the ledger), no scene sent back to an earlier round, and a run leaves its
 *     scenes stage only with each done scene holding a clip of the scene's own round;
 *   - after every step: the ledger audit (ledger/audit.ts) over the whole database;
 *   - at the end, once the faults stopped and the sweeper ran: every run ended, every failed charged
 *     run refunded exactly once and told so, every failed uncharged run told once, every answer a
 *     customer wrote in time applied, each balance = grants − price × videos delivered, and the audit
 *     as `npm run audit` reads it (loadAuditSnapshot) finds nothing.
 */
import { Timestamp } from "firebase-admin/firestore";
import { auditLedger, type AuditSnapshot } from "../src/ledger/audit";
import { loadAuditSnapshot } from "../src/ledger/auditSnapshot";
import { longestRunMs } from "../src/lifecycle/stateMachine";
import type { PipelineSettings } from "../src/pipelineSettings";
import type { ClientWrite } from "./clientRules";
import type { SimClock } from "./clock";
import { getField, valuesEqual, type Change, type MemoryFirestore } from "./memoryFirestore";

type Data = Record<string, unknown>;

export interface Violation {
  invariant: string;
  detail: string;
  atMs: number;
}

interface RunBook {
  uid: string;
  charges: number;
  refunds: number;
  /** The customer's "proceed" or "cancel", as written (accepted by the rules). */
  confirmation?: boolean;
  /** Decisions the customer wrote that the rules accepted, in order. */
  decisions: string[];
}

const TERMINAL = ["failed", "succeeded"];
const EVENTUAL_REFUND = "every failed charged run has exactly one refund";

export class Invariants {
  readonly violations: Violation[] = [];
  private readonly grants = new Map<string, number>();
  private readonly runs = new Map<string, RunBook>();
  private clientWriting = false;

  constructor(
    private readonly db: MemoryFirestore,
    private readonly clock: SimClock,
  ) {}

  private breach(invariant: string, detail: string) {
    this.violations.push({ invariant, detail, atMs: this.clock.now });
  }

  granted(uid: string, credits: number) {
    this.grants.set(uid, (this.grants.get(uid) ?? 0) + credits);
  }

  private book(runId: string, uid: string): RunBook {
    let book = this.runs.get(runId);
    if (!book) {
      book = { uid, charges: 0, refunds: 0, decisions: [] };
      this.runs.set(runId, book);
    }
    return book;
  }

  /** A customer's write, before it commits: accepted answers are remembered, hostile ones must be refused. */
  clientWrite(uid: string, write: ClientWrite, allowed: boolean, hostile: boolean, data: Data) {
    if (hostile && allowed) this.breach("hostile client writes are refused", `${uid}: ${write.kind} ${write.path}`);
    if (!allowed || write.kind === "delete") return;
    const runId = write.path.split("/")[1];
    const book = this.book(runId, uid);
    const confirmation = data.confirmation as { proceed?: boolean } | undefined;
    if (confirmation) book.confirmation = confirmation.proceed === true;
    if (typeof data.decision === "string") book.decisions.push(data.decision);
    this.clientWriting = true;
  }

  /** The customer's write was not committed after all. */
  clientWriteDropped() {
    this.clientWriting = false;
  }

  onCommit(changes: Change[], settings: PipelineSettings) {
    const byClient = this.clientWriting;
    this.clientWriting = false;
    const created = new Set(changes.filter((c) => !c.before && c.after).map((c) => c.path));
    const runChanges = new Map<string, Change>();
    for (const change of changes) {
      const parts = change.path.split("/");
      if (parts[0] === "runs" && parts.length === 2) {
        runChanges.set(parts[1], change);
        this.checkRun(parts[1], change, byClient, created);
      }
      // A scene moved to a later round by a "retry" never goes back to an earlier one.
      if (parts[0] === "runs" && parts[2] === "scenes" && change.before && change.after) {
        const was = Number(change.before.round ?? 0);
        const is = Number(change.after.round ?? 0);
        if (is < was) this.breach("no stale scene round accepted", `${change.path}: round ${was} → ${is}`);
      }
      if (parts[0] === "users" && parts[2] === "ledger" && change.before) {
        this.breach("ledger movements are never edited", `${change.path} ${change.after ? "changed" : "deleted"}`);
      }
      if (parts[0] === "users" && parts[2] === "notifications" && change.before) {
        this.breach("each notice is sent once", `${change.path} written again`);
      }
    }
    for (const path of created) {
      const charge = /^users\/([^/]+)\/ledger\/charge_(.+)$/.exec(path);
      if (charge) this.checkCharge(charge[2], runChanges.get(charge[2]));
      const refund = /^users\/([^/]+)\/ledger\/refund_(.+)$/.exec(path);
      if (refund) this.checkRefund(refund[2], runChanges.get(refund[2]));
    }
    for (const change of changes) {
      const user = /^users\/([^/]+)$/.exec(change.path);
      if (user && change.after) this.checkBalance(user[1], Number(change.after.credits ?? 0), settings);
    }
  }

  private checkRun(runId: string, change: Change, byClient: boolean, created: Set<string>) {
    const { before, after } = change;
    if (!after) return this.breach("runs are never deleted", runId);
    const book = this.book(runId, String(after.uid));
    if (!before) return;
    if (TERMINAL.includes(String(before.status)) && after.status !== before.status) {
      this.breach("no run revived", `${runId}: ${String(before.status)} → ${String(after.status)}`);
    }
    const startedWork =
      after.status === "running" && ["preflight", "awaiting_confirmation"].includes(String(before.status));
    if (startedWork) {
      book.charges++;
      if (!created.has(`users/${book.uid}/ledger/charge_${runId}`))
        this.breach("a charge only where the lifecycle allows it", `${runId} started work without its charge`);
    }
    const leftScenes = before.status === "running" && before.stage === "scenes" && after.status !== "failed";
    if (leftScenes && (after.stage !== "scenes" || after.status !== "running")) this.checkScenesOfRound(runId);
    const refundedBefore = getField(before, "failure.refunded") === true;
    if (!refundedBefore && getField(after, "failure.refunded") === true) book.refunds++;
    if (before.confirmation !== undefined && !valuesEqual(before.confirmation, after.confirmation)) {
      this.breach(
        "no written answer replaced",
        `${runId}: confirmation ${JSON.stringify(before.confirmation)} became ${JSON.stringify(after.confirmation)}`,
      );
    }
    const wasDecision = (before.decision ?? null) as string | null;
    const isDecision = (after.decision ?? null) as string | null;
    if (wasDecision !== null && isDecision !== wasDecision) {
      const log = (after.decisionLog ?? []) as { decision: string }[];
      const applied =
        isDecision === null &&
        log.length === ((before.decisionLog ?? []) as unknown[]).length + 1 &&
        log[log.length - 1].decision === wasDecision;
      if (!applied)
        this.breach(
          "no written answer replaced",
          `${runId}: decision "${wasDecision}" became ${JSON.stringify(isDecision)}`,
        );
    }
    if (!byClient && wasDecision === null && isDecision !== null) {
      const answerBy = before.answerBy as Timestamp | undefined;
      if (!answerBy || this.clock.now <= answerBy.toMillis())
        this.breach(
          "the default decision only after the deadline",
          `${runId}: "${isDecision}" written by the functions`,
        );
    }
  }

  /**
   * A run leaves its scenes stage only with every done scene holding a clip of the scene's own
   * round: a clip's object name carries the round it was rendered in (`…-r{round}.mp4`), so the
   * result of a late delivery of an earlier round slipped into a newer round's scene shows here.
   * (A "retry" moves only the static scenes to the new round; generated ones keep theirs.)
   */
  private checkScenesOfRound(runId: string) {
    const prefix = `runs/${runId}/scenes/`;
    for (const [path, doc] of this.db.state.docs) {
      if (!path.startsWith(prefix) || doc.data.status !== "done") continue;
      const video = String(doc.data.video ?? "");
      const round = Number(doc.data.round ?? 0);
      if (!video.endsWith(`-r${round}.mp4`))
        this.breach(
          "no stale scene round accepted",
          `${runId}: ${path.slice(prefix.length)} of round ${round} holds ${video}`,
        );
    }
  }

  private checkCharge(runId: string, change: Change | undefined) {
    const before = change?.before;
    const book = this.runs.get(runId);
    const afterPreflight = before?.status === "preflight";
    const afterProceed =
      before?.status === "awaiting_confirmation" &&
      getField(before, "confirmation.proceed") === true &&
      book?.confirmation === true;
    if (!change?.after || change.after.status !== "running" || !(afterPreflight || afterProceed)) {
      this.breach(
        "a charge only where the lifecycle allows it",
        `charge_${runId} with the run ${String(before?.status)} → ${String(change?.after?.status)}`,
      );
    }
    if (book && book.charges > 1) this.breach("a run is charged once", `${runId} charged ${book.charges} times`);
  }

  private checkRefund(runId: string, change: Change | undefined) {
    const book = this.runs.get(runId);
    if (change?.before?.status !== "failed" || change.after?.status !== "failed")
      this.breach("a refund only of a failed run", `refund_${runId} with the run ${String(change?.before?.status)}`);
    if (!book || book.charges !== 1) this.breach("a refund only of a charged run", `refund_${runId}`);
    if (book && book.refunds !== 1)
      this.breach("every failed charged run refunded exactly once", `${runId} refunded ${book.refunds} times`);
  }

  private checkBalance(uid: string, credits: number, settings: PipelineSettings) {
    const price = settings.runPriceCredits;
    let expected = this.grants.get(uid) ?? 0;
    for (const book of this.runs.values()) if (book.uid === uid) expected += price * (book.refunds - book.charges);
    if (credits !== expected)
      this.breach(
        "balance = grants − charges + refunds",
        `${uid}: balance ${credits}, the runs' transitions say ${expected}`,
      );
  }

  /**
   * The audit over the database as it stands (each step is atomic, so it never sees half a commit).
   * A failed charged run waits for its refund between two steps (onRunFailed, or the next sweep): that
   * invariant of the audit holds once recovery is over and is checked there.
   */
  afterStep(settings: PipelineSettings) {
    for (const b of auditLedger(this.snapshot(settings))) {
      if (b.invariant === EVENTUAL_REFUND) continue;
      this.breach(`audit: ${b.invariant}`, `${b.subject}: ${b.detail}`);
    }
  }

  private snapshot(settings: PipelineSettings): AuditSnapshot {
    const users = new Map<string, AuditSnapshot["users"][number]>();
    const user = (uid: string) => {
      let u = users.get(uid);
      if (!u) users.set(uid, (u = { uid, credits: 0, movements: [] }));
      return u;
    };
    const snapshot: AuditSnapshot = {
      users: [],
      runs: [],
      refunds: [],
      readMs: this.clock.now,
      longestRunMs: longestRunMs(settings),
    };
    for (const [path, doc] of this.db.state.docs) {
      const parts = path.split("/");
      const d = doc.data;
      if (parts[0] === "users" && parts.length === 2) user(parts[1]).credits = Number(d.credits ?? 0);
      else if (parts[0] === "users" && parts[2] === "ledger")
        user(parts[1]).movements.push({
          id: parts[3],
          kind: String(d.kind),
          amount: Number(d.amount),
          runId: (d.runId as string | null) ?? null,
          createMs: doc.createTime.toMillis(),
          updateMs: doc.updateTime.toMillis(),
        });
      else if (parts[0] === "runs" && parts.length === 2)
        snapshot.runs.push({
          id: parts[1],
          uid: String(d.uid),
          status: String(d.status),
          charged: Number(getField(d, "credits.charged") ?? 0),
          refunded: Number(getField(d, "credits.refunded") ?? 0),
          ...(d.createdAt instanceof Timestamp && { createdMs: d.createdAt.toMillis() }),
        });
      else if (parts[0] === "refunds" && parts.length === 2)
        snapshot.refunds.push({ runId: parts[1], uid: String(d.uid), amount: Number(d.amount) });
    }
    snapshot.users = [...users.values()];
    return snapshot;
  }

  allRunsEnded(): boolean {
    for (const [path, doc] of this.db.state.docs) {
      if (/^runs\/[^/]+$/.test(path) && !TERMINAL.includes(String(doc.data.status))) return false;
    }
    return true;
  }

  /** After the recovery phase: nothing stuck, everyone paid back and told, every answer applied. */
  async atQuiescence(settings: PipelineSettings, busyProcesses: number) {
    const docs = this.db.state.docs;
    const has = (path: string) => docs.has(path);
    if (busyProcesses > 0) this.breach("nothing stuck after sweeps", `${busyProcesses} deliveries still at work`);
    const succeeded = new Map<string, number>();
    for (const [path, doc] of docs) {
      const match = /^runs\/([^/]+)$/.exec(path);
      if (!match) continue;
      const runId = match[1];
      const run = doc.data;
      const uid = String(run.uid);
      const book = this.runs.get(runId);
      const charged = Number(getField(run, "credits.charged") ?? 0) > 0;
      if (!TERMINAL.includes(String(run.status))) {
        this.breach(
          "nothing stuck after sweeps",
          `${runId} is still ${String(run.status)}/${String(run.stage)}/${String(run.stageState)}`,
        );
        continue;
      }
      if (run.status === "succeeded") succeeded.set(uid, (succeeded.get(uid) ?? 0) + 1);
      if (run.status === "failed" && charged) {
        if (!has(`refunds/${runId}`) || !has(`users/${uid}/ledger/refund_${runId}`) || book?.refunds !== 1)
          this.breach(
            "every failed charged run refunded exactly once after recovery",
            `${runId}: refunds ${book?.refunds ?? 0}`,
          );
        if (!has(`users/${uid}/notifications/refund_${runId}`))
          this.breach("notices exactly once", `${runId}: refund not told`);
      }
      if (run.status === "failed" && !charged) {
        if (has(`users/${uid}/ledger/refund_${runId}`)) this.breach("a refund only of a charged run", runId);
        if (!has(`users/${uid}/notifications/failed_${runId}`))
          this.breach("notices exactly once", `${runId}: failure not told`);
      }
      const reason = String(getField(run, "failure.reason") ?? "");
      if (book?.confirmation === true && (reason === "cancelled" || reason === "confirmation_expired"))
        this.breach("every answer written in time is applied", `${runId}: "proceed" written, run ended ${reason}`);
      if (book?.confirmation === false && charged)
        this.breach("every answer written in time is applied", `${runId}: "cancel" written, run charged`);
      const log = ((run.decisionLog ?? []) as { decision: string }[]).map((d) => d.decision);
      for (const decision of book?.decisions ?? []) {
        if (!log.includes(decision))
          this.breach("every answer written in time is applied", `${runId}: "${decision}" never applied`);
      }
    }
    const price = settings.runPriceCredits;
    for (const [uid, grant] of this.grants) {
      const credits = Number(docs.get(`users/${uid}`)?.data.credits ?? 0);
      const expected = grant - price * (succeeded.get(uid) ?? 0);
      if (credits !== expected)
        this.breach("balance = grants − price × videos delivered", `${uid}: balance ${credits}, expected ${expected}`);
    }
    const audit = auditLedger(await loadAuditSnapshot(this.db.asFirestore(), Timestamp.now()));
    for (const b of audit)
      this.breach(`audit (as npm run audit reads it): ${b.invariant}`, `${b.subject}: ${b.detail}`);
  }
}
