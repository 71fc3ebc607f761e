/**
 * One simulated history: the real handlers (run created, run updated, run failed, the scene task,
 * the sweeper) on an in-memory Firestore, a trigger bus, a task queue, a clock and customers, all
 * driven by one seeded PRNG. Each handler delivery is a process; every database call, provider call
 * and enqueue is a point where the scheduler chooses which process goes next, and where a process
 * may stall, see an error, or die (before the call, or after it took effect). Time moves only when
 * nothing is ready. The invariants are checked on every commit, after every step, and at the end,
 * once the faults stop and the sweeper has had the time it is given to repair everything.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import crypto from "node:crypto";
import os from "node:os";
import path from "node:path";
import { Timestamp } from "firebase-admin/firestore";
import { sceneTaskId } from "../src/contract/paths";
import type { RunDocument } from "../src/contract/runDocument";
import { grantCredits } from "../src/ledger/credits";
import { longestRunMs, SWEEP_INTERVAL_MINUTES } from "../src/lifecycle/stateMachine";
import { sweepStuckRuns } from "../src/handlers/sweeper";
import { handleRunFailed, handleRunUpdated } from "../src/pipeline/advance";
import type { PipelineDeps, SceneDispatcher, SceneTask } from "../src/pipeline/deps";
import { handleRunCreated } from "../src/pipeline/preflightStage";
import { handleSceneTask, SceneTaskSchema } from "../src/pipeline/sceneTask";
import {
  loadPipelineSettings,
  PIPELINE_SETTINGS_PATH,
  type PipelineSettings,
  STAGE_TIMEOUT_SECONDS,
} from "../src/pipelineSettings";
import { clientWriteAllowed, type ClientWrite } from "./clientRules";
import { FakeWorld } from "./fakes";
import { Invariants, type Violation } from "./invariants";
import {
  Code,
  FirestoreError,
  MemoryFirestore,
  MemoryState,
  cloneData,
  type Change,
  type Gate,
  type Op,
} from "./memoryFirestore";
import { SimRandom, type FiredFault } from "./random";
import { withSimClock, type SimClock } from "./clock";
import { captureLogs } from "./logs";

type Data = Record<string, unknown>;

/** The scene queue's retry settings as index.ts deploys them (config.ts), and Cloud Tasks' dispatch deadline. */
export const SCENE_QUEUE = {
  maxAttempts: 3,
  minBackoffSeconds: 20,
  maxBackoffSeconds: 300,
  dispatchDeadlineSeconds: 300,
};

export interface SimOptions {
  seed: number;
  /** Runs the customers create; by default 1-4, drawn from the seed. */
  runs?: number;
  /** Scheduler steps before the faults stop and only recovery remains. */
  steps: number;
  /** Fault draws (ordinals) answered "no": how a failing history is shrunk. */
  faultsOff?: ReadonlySet<number>;
  trace?: boolean;
}

export interface HistoryResult {
  seed: number;
  runs: number;
  steps: number;
  violations: Violation[];
  fired: FiredFault[];
  trace: string[];
  simulatedMs: number;
}

interface Pending {
  op: Op;
  readyAt: number;
  seq: number;
  apply: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = "ok" | "error" | "crashed";

interface Proc {
  id: number;
  name: string;
  pending: Pending[];
  alive: boolean;
  startedAt: number;
  notify: (() => void) | null;
  onEnd: (outcome: Outcome, error?: unknown) => void;
}

type Trigger = "onRunCreated" | "advanceRun" | "onRunFailed";

type SimEvent = { at: number; seq: number } & (
  | {
      kind: "trigger";
      fn: Trigger;
      runId: string;
      before: Data | undefined;
      after: Data;
      eventId: string;
      attempt: number;
    }
  | { kind: "task"; task: SceneTask; retryCount: number }
  | { kind: "sweep" }
  | { kind: "client"; uid: string; write: ClientWrite; label: string; hostile: boolean }
  | { kind: "timeout"; proc: Proc; deadline: "dispatch" | "function"; retry: () => void }
);

/** How often each fault of the infrastructure is drawn. */
const ODDS = {
  crashBefore: 0.004,
  crashAfter: 0.004,
  transient: 0.01,
  conflict: 0.01,
  stall: 0.004,
  triggerLost: 0.04,
  triggerTwice: 0.06,
  triggerLate: 0.04,
  taskLost: 0.01,
  taskTwice: 0.05,
  taskLate: 0.03,
};

const als = new AsyncLocalStorage<Proc>();
const SWEEP_NAME = "sweepRuns";
const START_MS = Date.UTC(2026, 11, 7, 9, 0, 0);

export async function simulate(options: SimOptions): Promise<HistoryResult> {
  const world = new World(options);
  return world.run();
}

class World {
  readonly random: SimRandom;
  readonly clock: SimClock = { now: START_MS };
  private readonly state = new MemoryState();
  /** The simulator's own handle: reads and writes at once, outside any process. */
  private readonly direct = new MemoryFirestore(this.state);
  private readonly fakes: FakeWorld;
  private readonly deps: PipelineDeps;
  private readonly procs = new Set<Proc>();
  private events: SimEvent[] = [];
  private seq = 0;
  private procIds = 0;
  private steps = 0;
  private readonly trace: string[] = [];
  private readonly enqueued = new Set<string>();
  private readonly invariants: Invariants;
  private settings!: PipelineSettings;
  private readonly runCount: number;
  private uuids = 0;
  private sweepsDone = 0;

  constructor(private readonly options: SimOptions) {
    this.random = new SimRandom(options.seed, options.faultsOff);
    const gate: Gate = { run: (op, apply) => this.gateRun(op, apply) };
    const db = new MemoryFirestore(this.state, gate);
    this.fakes = new FakeWorld(this.random, gate);
    const dispatcher: SceneDispatcher = {
      dispatch: (tasks, delaySeconds = 0) =>
        gate.run(
          { kind: "external", label: `enqueue ${tasks.map((t) => `s${t.sceneNumber}.${t.step}`).join(",")}` },
          () => tasks.forEach((task) => this.enqueue(task, delaySeconds)),
        ),
    };
    this.deps = {
      db: db.asFirestore(),
      store: this.fakes.store,
      preflight: this.fakes.preflight,
      visualDna: this.fakes.visualDna,
      script: this.fakes.script,
      voice: this.fakes.voice,
      video: this.fakes.videoChain(),
      modelCooldown: { notFoundMs: 15 * 60_000, failureStreak: 3, failureMs: 2 * 60_000 },
      media: this.fakes.media,
      musicMixer: this.fakes.musicMixer,
      scenes: dispatcher,
      isEmulator: true,
      workDir: path.join(os.tmpdir(), "fairshot-sim"),
    };
    // Drawn even when given, so that `--runs` changes nothing else in the history.
    const drawnRuns = 1 + this.random.int(4);
    this.runCount = options.runs ?? drawnRuns;
    this.invariants = new Invariants(this.direct, this.clock);
    this.state.onCommit((changes) => this.onCommit(changes));
  }

  private log(line: string) {
    if (!this.options.trace) return;
    const t = this.clock.now - START_MS;
    const hms = new Date(t).toISOString().slice(11, 23);
    this.trace.push(`[${hms}] ${line}`);
  }

  async run(): Promise<HistoryResult> {
    const restoreUuid = this.deterministicUuids();
    try {
      return await withSimClock(this.clock, () =>
        captureLogs(
          (line) => this.log(`    ${als.getStore()?.name ?? "sim"}: ${line}`),
          () => this.history(),
        ),
      );
    } finally {
      restoreUuid();
    }
  }

  /** Lease owners carry a UUID: the same seed must name them the same. */
  private deterministicUuids(): () => void {
    const original = crypto.randomUUID;
    crypto.randomUUID = () =>
      `00000000-0000-4000-8000-${String(++this.uuids).padStart(12, "0")}` as ReturnType<typeof original>;
    return () => {
      crypto.randomUUID = original;
    };
  }

  private async history(): Promise<HistoryResult> {
    await this.setUp();
    // Active: every fault on, customers act, until the step budget is spent or nothing is left.
    while (this.steps < this.options.steps && !(await this.settled()) && (await this.step())) {
      if (this.invariants.violations.length > 0) break;
    }
    // Recovery: no more faults; deliveries and sweeps run until every run has ended.
    this.random.faultsOn = false;
    this.log("-- faults stop; recovery --");
    const recoveryEnd = this.clock.now + longestRunMs(this.settings) + 3_600_000;
    // Settled means every run ended and nothing is left to deliver; a repair due to a lost delivery
    // (a refund, a notice) is the sweeper's, so two whole sweeps must pass once settled.
    let sweepsWhenSettled: number | null = null;
    while (this.invariants.violations.length === 0 && this.clock.now < recoveryEnd) {
      if (await this.settled()) {
        sweepsWhenSettled ??= this.sweepsDone;
        if (this.sweepsDone - sweepsWhenSettled >= 2) break;
      } else sweepsWhenSettled = null;
      if (!(await this.step())) break;
    }
    // The deliveries still at work finish (a sweep, a late retry); no new sweep starts.
    this.events = this.events.filter((e) => e.kind !== "sweep");
    for (let drain = 0; drain < 100_000 && this.procs.size > 0 && this.invariants.violations.length === 0; drain++) {
      if (!(await this.step())) break;
    }
    if (this.invariants.violations.length === 0) await this.invariants.atQuiescence(this.settings, this.procs.size);
    return {
      seed: this.options.seed,
      runs: this.runCount,
      steps: this.steps,
      violations: this.invariants.violations,
      fired: this.random.fired,
      trace: this.trace,
      simulatedMs: this.clock.now - START_MS,
    };
  }

  /** Every run ended and nothing left to deliver (the sweeps go on forever). */
  private async settled(): Promise<boolean> {
    // A timeout matters only while its delivery is at work, which `busy` covers.
    const waiting = (e: SimEvent) => e.kind !== "sweep" && e.kind !== "timeout";
    const busy = [...this.procs].some((p) => !p.name.endsWith(SWEEP_NAME));
    if (busy || this.events.some(waiting)) return false;
    return this.invariants.allRunsEnded();
  }

  private async setUp() {
    const settings = {
      // The simulated customers never answer a storyboard: the histories are of the charged flow.
      approval: "off",
      decisionDefault: this.random.pick(["accept", "refund"] as const),
      maxDecisionRetries: this.random.int(3),
      videoInFlightLimit: 1 + this.random.int(3),
    };
    await this.direct.doc(PIPELINE_SETTINGS_PATH).set(settings);
    this.settings = await loadPipelineSettings(this.direct.asFirestore());
    const users = 1 + this.random.int(2);
    for (let u = 1; u <= users; u++) {
      const uid = `user${u}`;
      const credits = 10 * (1 + this.random.int(4));
      this.invariants.granted(uid, credits);
      await grantCredits(this.direct.asFirestore(), uid, "welcome", credits, "welcome");
      this.fakes.objects.add(`uploads/${uid}/photo.jpg`);
    }
    for (let r = 1; r <= this.runCount; r++) {
      const uid = `user${1 + this.random.int(users)}`;
      this.schedule(this.random.int(20 * 60_000), { kind: "client", ...this.newRun(uid, `run${r}`) });
      if (this.random.float() < 0.3) this.scheduleHostile(uid, `run${r}`, users);
    }
    this.schedule(this.random.int(SWEEP_INTERVAL_MINUTES * 60_000), { kind: "sweep" });
  }

  private newRun(uid: string, runId: string): { uid: string; write: ClientWrite; label: string; hostile: boolean } {
    const variant = this.random.float();
    const input: Data = {
      image: variant < 0.05 ? `uploads/${uid}/missing.jpg` : `uploads/${uid}/photo.jpg`,
      productName: variant >= 0.05 && variant < 0.08 ? "   " : "Desk Lamp",
      brandName: "Halden",
      brief: "A warm lamp for late work.",
      scenes: 1 + this.random.int(3),
    };
    const faults = this.random.float() < 0.08 ? { test: { faults: this.random.pick(TEST_FAULTS) } } : {};
    const data: Data = { uid, status: "queued", input, createdAt: "request.time", ...faults };
    return { uid, write: { kind: "create", path: `runs/${runId}`, data }, label: `creates ${runId}`, hostile: false };
  }

  private scheduleHostile(uid: string, runId: string, users: number) {
    const other = `user${1 + (Number(uid.slice(4)) % users || 0)}`;
    const writes: ClientWrite[] = [
      { kind: "update", path: `users/${uid}`, data: { credits: 1000 } },
      { kind: "create", path: `users/${uid}/ledger/grant_free`, data: { kind: "grant", amount: 100 } },
      { kind: "update", path: `runs/${runId}`, data: { status: "succeeded" } },
      { kind: "update", path: `runs/${runId}`, data: { "credits.charged": 0 } },
      { kind: "create", path: `refunds/${runId}`, data: { uid, runId, amount: 10 } },
      { kind: "delete", path: `runs/${runId}` },
      {
        kind: "create",
        path: `runs/${runId}-x`,
        data: { uid, status: "running", input: {}, createdAt: "request.time" },
      },
      { kind: "set", path: `users/${uid}/notifications/refund_${runId}`, data: { kind: "refunded" } },
    ];
    const write = this.random.pick(writes);
    // Another user's run: any answer to it is refused.
    const hostileUid = this.random.float() < 0.2 && other !== uid ? other : uid;
    this.schedule(this.random.int(60 * 60_000), {
      kind: "client",
      uid: hostileUid,
      write,
      label: `hostile ${write.kind} ${write.path}`,
      hostile: true,
    });
  }

  private schedule(delayMs: number, event: Omit<SimEvent, "at" | "seq"> & Record<string, unknown>) {
    this.events.push({ ...event, at: this.clock.now + Math.max(0, Math.round(delayMs)), seq: ++this.seq } as SimEvent);
  }

  // ---------------------------------------------------------------- the scheduler

  private gateRun<T>(op: Op, apply: () => T): Promise<T> {
    const proc = als.getStore();
    if (!proc) return Promise.resolve().then(apply);
    const stall = this.random.fault(ODDS.stall, `${proc.name} stalls before ${op.label}`);
    const delay = stall ? this.random.between(60_000, 20 * 60_000) : this.random.int(30);
    return new Promise<T>((resolve, reject) => {
      proc.pending.push({
        op,
        readyAt: this.clock.now + delay,
        seq: ++this.seq,
        apply,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      proc.notify?.();
    });
  }

  /** One step: one database call, provider call or event. False when nothing is left at all. */
  private async step(): Promise<boolean> {
    const now = this.clock.now;
    const ops: { proc: Proc; pending: Pending }[] = [];
    for (const proc of this.procs)
      for (const pending of proc.pending) if (pending.readyAt <= now) ops.push({ proc, pending });
    ops.sort((a, b) => a.pending.seq - b.pending.seq);
    const due = this.events.filter((e) => e.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq);
    const total = ops.length + due.length;
    if (total === 0) {
      let next = Infinity;
      for (const proc of this.procs) for (const p of proc.pending) next = Math.min(next, p.readyAt);
      for (const e of this.events) next = Math.min(next, e.at);
      if (next === Infinity) return false;
      this.clock.now = next;
      return true;
    }
    this.steps++;
    const choice = this.random.int(total);
    if (choice < ops.length) await this.runOp(ops[choice].proc, ops[choice].pending);
    else {
      const event = due[choice - ops.length];
      this.events = this.events.filter((e) => e !== event);
      await this.runEvent(event);
    }
    this.invariants.afterStep(this.settings);
    return true;
  }

  private async runOp(proc: Proc, pending: Pending) {
    proc.pending = proc.pending.filter((p) => p !== pending);
    const { op } = pending;
    if (this.random.fault(ODDS.crashBefore, `${proc.name} dies before ${op.label}`)) {
      this.log(`${proc.name} DIES before ${op.label}`);
      return this.kill(proc);
    }
    const canFail = op.kind !== "external" && op.kind !== "tx_get";
    if (canFail && this.random.fault(ODDS.transient, `${proc.name}: UNAVAILABLE at ${op.label}`)) {
      this.log(`${proc.name} ${op.label} -> UNAVAILABLE`);
      pending.reject(new FirestoreError(Code.UNAVAILABLE, "simulated: the database is unavailable"));
      return this.settle(proc);
    }
    if (op.kind === "commit" && this.random.fault(ODDS.conflict, `${proc.name}: contention at ${op.label}`)) {
      this.log(`${proc.name} ${op.label} -> ABORTED (contention)`);
      pending.reject(new FirestoreError(Code.ABORTED, "simulated: contention"));
      return this.settle(proc);
    }
    let value: unknown;
    try {
      value = pending.apply();
    } catch (error) {
      this.log(`${proc.name} ${op.label} -> ${String(error).slice(0, 120)}`);
      pending.reject(error);
      return this.settle(proc);
    }
    this.log(`${proc.name} ${op.label}`);
    if (this.random.fault(ODDS.crashAfter, `${proc.name} dies after ${op.label}`)) {
      this.log(`${proc.name} DIES after ${op.label}`);
      return this.kill(proc);
    }
    pending.resolve(value);
    await this.settle(proc);
  }

  /** Lets the process run until it waits on its next call or ends (its own file I/O included). */
  private async settle(proc: Proc) {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!proc.alive || proc.pending.length > 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (proc.notify = resolve)),
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${proc.name} waits on something outside the simulation`)), 10_000);
        }),
      ]).finally(() => clearTimeout(timer));
      proc.notify = null;
    }
  }

  private kill(proc: Proc) {
    proc.alive = false;
    proc.pending = [];
    this.procs.delete(proc);
    proc.onEnd("crashed");
  }

  private async spawn(name: string, work: () => Promise<void>, onEnd: (outcome: Outcome, error?: unknown) => void) {
    const proc: Proc = {
      id: ++this.procIds,
      name: `p${this.procIds} ${name}`,
      pending: [],
      alive: true,
      startedAt: this.clock.now,
      notify: null,
      onEnd,
    };
    this.procs.add(proc);
    this.log(`${proc.name} starts`);
    const end = (outcome: Outcome, error?: unknown) => {
      if (!proc.alive) return;
      proc.alive = false;
      this.procs.delete(proc);
      this.log(`${proc.name} ${outcome === "ok" ? "returns" : `throws ${String(error).slice(0, 160)}`}`);
      proc.notify?.();
      proc.onEnd(outcome, error);
    };
    als.run(proc, () => {
      work().then(
        () => end("ok"),
        (error) => end("error", error),
      );
    });
    // The function's timeout kills an instance that is still at work.
    this.schedule(STAGE_TIMEOUT_SECONDS * 1000, {
      kind: "timeout",
      proc,
      deadline: "function",
      retry: () => undefined,
    });
    await this.settle(proc);
    return proc;
  }

  private async runEvent(event: SimEvent) {
    switch (event.kind) {
      case "sweep":
        this.schedule(SWEEP_INTERVAL_MINUTES * 60_000, { kind: "sweep" });
        await this.spawn(
          SWEEP_NAME,
          () => sweepStuckRuns(this.deps.db, Date.now()).then(() => undefined),
          (outcome) => {
            if (outcome === "ok") this.sweepsDone++;
          },
        );
        return;
      case "trigger":
        return this.deliverTrigger(event);
      case "task":
        return this.deliverTask(event.task, event.retryCount);
      case "client":
        return this.clientWrite(event.uid, event.write, event.label, event.hostile);
      case "timeout":
        if (!event.proc.alive) return;
        if (event.deadline === "function") {
          this.log(`${event.proc.name} TIMED OUT (function timeout)`);
          this.kill(event.proc);
        } else {
          this.log(`${event.proc.name} outlived its dispatch deadline: the queue tries again`);
          event.retry();
        }
        return;
    }
  }

  // ---------------------------------------------------------------- triggers

  private onCommit(changes: Change[]) {
    for (const change of changes) {
      const match = /^runs\/([^/]+)$/.exec(change.path);
      if (!match || !change.after) continue;
      const runId = match[1];
      if (!change.before) this.emit("onRunCreated", runId, undefined, change.after);
      else {
        this.emit("advanceRun", runId, change.before, change.after);
        this.emit("onRunFailed", runId, change.before, change.after);
      }
      this.customerReacts(runId, change.before, change.after);
    }
    this.invariants.onCommit(changes, this.settings);
  }

  private emit(fn: Trigger, runId: string, before: Data | undefined, after: Data) {
    const eventId = `${fn}-${++this.seq}`;
    const label = `${fn}(${runId}) [${String(after.status)}${after.stage ? `/${String(after.stage)}` : ""}${after.stageState ? `/${String(after.stageState)}` : ""}]`;
    if (this.random.fault(ODDS.triggerLost, `${label} delivery lost`)) {
      this.log(`event ${label} LOST`);
      return;
    }
    const copies = this.random.fault(ODDS.triggerTwice, `${label} delivered twice`) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const late = this.random.fault(ODDS.triggerLate, `${label} delivered late`);
      const delay = late ? this.random.between(60_000, 20 * 60_000) : this.random.int(2000);
      this.schedule(delay, {
        kind: "trigger",
        fn,
        runId,
        before: cloneData(before),
        after: cloneData(after),
        eventId,
        attempt: 0,
      });
    }
  }

  private async deliverTrigger(event: Extract<SimEvent, { kind: "trigger" }>) {
    const { fn, runId, before, after, eventId } = event;
    const work = (): Promise<void> => {
      switch (fn) {
        case "onRunCreated":
          return handleRunCreated(runId, this.deps);
        case "advanceRun":
          return handleRunUpdated(runId, cloneData(after) as unknown as RunDocument, eventId, this.deps);
        case "onRunFailed":
          return handleRunFailed(
            runId,
            cloneData(before) as unknown as RunDocument,
            cloneData(after) as unknown as RunDocument,
            this.deps.db,
          );
      }
    };
    await this.spawn(`${fn}(${runId})`, work, (outcome) => {
      // Only onRunFailed is deployed with retry: the others' failed deliveries are gone (the sweeper repairs).
      if (outcome === "ok" || fn !== "onRunFailed" || event.attempt >= 8) return;
      const backoff = Math.min(10_000 * 2 ** event.attempt, 600_000) + this.random.int(5000);
      this.schedule(backoff, { ...event, attempt: event.attempt + 1 });
    });
  }

  // ---------------------------------------------------------------- the task queue

  private enqueue(task: SceneTask, delaySeconds: number) {
    const id = sceneTaskId(task.runId, task.sceneNumber, task.round, task.step);
    // Cloud Tasks refuses an id it has seen: the dispatcher treats that as done.
    if (this.enqueued.has(id)) return;
    this.enqueued.add(id);
    if (this.random.fault(ODDS.taskLost, `task ${id} lost`)) {
      this.log(`task ${id} LOST`);
      return;
    }
    const copies = this.random.fault(ODDS.taskTwice, `task ${id} delivered twice`) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const late = this.random.fault(ODDS.taskLate, `task ${id} late`) ? this.random.between(60_000, 10 * 60_000) : 0;
      this.schedule(Math.ceil(delaySeconds) * 1000 + late + this.random.int(1000), {
        kind: "task",
        task: { ...task },
        retryCount: 0,
      });
    }
  }

  private async deliverTask(task: SceneTask, retryCount: number) {
    let retried = false;
    const retry = () => {
      if (retried || retryCount + 1 >= SCENE_QUEUE.maxAttempts) return;
      retried = true;
      const backoff = Math.min(SCENE_QUEUE.minBackoffSeconds * 2 ** retryCount, SCENE_QUEUE.maxBackoffSeconds);
      this.schedule(backoff * 1000, { kind: "task", task, retryCount: retryCount + 1 });
    };
    const id = sceneTaskId(task.runId, task.sceneNumber, task.round, task.step);
    const proc = await this.spawn(
      `renderScene(${id}#${retryCount})`,
      () =>
        handleSceneTask(SceneTaskSchema.parse(task), { retryCount, maxAttempts: SCENE_QUEUE.maxAttempts }, this.deps),
      (outcome) => {
        if (outcome !== "ok") retry();
      },
    );
    if (proc.alive)
      this.schedule(SCENE_QUEUE.dispatchDeadlineSeconds * 1000, { kind: "timeout", proc, deadline: "dispatch", retry });
  }

  // ---------------------------------------------------------------- customers

  private customerReacts(runId: string, before: Data | undefined, after: Data) {
    const asked =
      (after.status === "awaiting_confirmation" && before?.status !== "awaiting_confirmation") ||
      (after.status === "awaiting_decision" &&
        (before?.status !== "awaiting_decision" || (before.decision && !after.decision)));
    if (!asked) return;
    const uid = String(after.uid);
    const answerBy = (after.answerBy as Timestamp | undefined)?.toMillis() ?? this.clock.now + 3_600_000;
    const left = Math.max(1000, answerBy - this.clock.now);
    const answer = (): Data =>
      after.status === "awaiting_confirmation"
        ? { confirmation: { proceed: this.random.float() < 0.75 } }
        : { decision: this.random.pick(["accept", "retry", "refund"]) };
    const write = (delay: number, data: Data, label: string) =>
      this.schedule(delay, {
        kind: "client",
        uid,
        write: { kind: "update", path: `runs/${runId}`, data },
        label: `${label} ${JSON.stringify(data)}`,
        hostile: false,
      });
    // Half the customers watch the page and answer within two minutes; the others some time before the deadline.
    const inTime = () =>
      this.random.float() < 0.5
        ? this.random.between(1000, Math.min(120_000, left - 500))
        : this.random.between(1000, left - 500);
    const behaviour = this.random.float();
    if (behaviour < 0.6) write(inTime(), answer(), "answers");
    else if (behaviour < 0.75) {
      write(inTime(), answer(), "answers");
      write(this.random.between(1000, left + 600_000), answer(), "answers again");
    } else if (behaviour < 0.85) write(left + this.random.between(1000, 1_800_000), answer(), "answers late");
    // Otherwise the customer never answers.
  }

  private async clientWrite(uid: string, write: ClientWrite, label: string, hostile: boolean) {
    const now = Timestamp.now();
    const existing = this.state.docs.get(write.path)?.data;
    let next: Data | undefined;
    const data =
      write.kind === "delete"
        ? {}
        : Object.fromEntries(Object.entries(write.data).map(([k, v]) => [k, v === "request.time" ? now : v]));
    if (write.kind === "update") {
      next = existing ? { ...cloneData(existing), ...data } : undefined;
    } else if (write.kind !== "delete") next = data;
    const allowed = clientWriteAllowed(uid, write, existing, next, now);
    this.log(`customer ${uid} ${label} -> ${allowed ? "written" : "refused by the rules"}`);
    this.invariants.clientWrite(uid, write, allowed, hostile, data);
    if (!allowed) return;
    const kind =
      write.kind === "delete"
        ? { kind: "delete" as const, path: write.path }
        : write.kind === "set"
          ? { kind: "set" as const, path: write.path, data, merge: false }
          : { kind: write.kind, path: write.path, data };
    try {
      this.state.commit([kind]);
    } catch (error) {
      this.invariants.clientWriteDropped();
      this.log(`customer write failed: ${String(error)}`);
    }
  }
}

const TEST_FAULTS = [{ charge: "crash_after" }, { assembly: "fail" }, { assembly: "drop_last_scene" }];

export { START_MS };
