/**
 * The user's side of a run: sign in, see credits, create a run as the client contract says and
 * follow it live with onSnapshot, answering the two questions a run may ask (confirm a risky
 * image; accept, retry or refund reduced quality).
 */
import { initializeApp } from "firebase/app";
import {
  connectAuthEmulator,
  getAuth,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signOut,
  type User,
} from "firebase/auth";
import {
  collection,
  connectFirestoreEmulator,
  doc,
  getFirestore,
  limit,
  onSnapshot,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  updateDoc,
  type Unsubscribe,
} from "firebase/firestore";
import { FaultsSchema } from "../../functions/src/contract/faults";
import { RunInputSchema } from "../../functions/src/contract/run";
import type { Decision } from "../../functions/src/contract/runDocument";
import { bucketFor } from "./bucket";
import { loadPageConfig, type PageConfig } from "./config";
import { fallbackReasonLabel } from "./labels";
import { runView, type RunSnapshot } from "./runView";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
};

function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

function showError(error: unknown): void {
  const box = $("page-error");
  box.textContent = error instanceof Error ? error.message : String(error);
  box.hidden = false;
}

function toast(title: string, body: string): void {
  const item = el("div", { class: "toast", role: "status" }, el("strong", {}, title), el("span", {}, body));
  $("toasts").append(item);
  setTimeout(() => item.remove(), 8000);
}

function setDialog(dialog: HTMLDialogElement, open: boolean): void {
  if (open && !dialog.open) dialog.showModal();
  if (!open && dialog.open) dialog.close();
}

const formatWhen = (value: unknown): string =>
  value && typeof (value as { toDate?: unknown }).toDate === "function"
    ? (value as { toDate(): Date }).toDate().toLocaleString()
    : "";

async function main(config: PageConfig): Promise<void> {
  const app = initializeApp(config.firebase);
  const auth = getAuth(app);
  const db = getFirestore(app);
  const emulators = config.emulators;
  if (emulators) {
    connectAuthEmulator(auth, emulators.authUrl, { disableWarnings: true });
    connectFirestoreEmulator(db, emulators.firestore.host, emulators.firestore.port);
    const banner = $("emulator-banner");
    banner.textContent = `Emulator mode — talking to the local Firebase emulators (Auth ${new URL(emulators.authUrl).host}, Firestore ${emulators.firestore.host}:${emulators.firestore.port}). Credits and videos here are not real.`;
    banner.hidden = false;
    document.body.classList.add("emulator");
    $("dev-options").hidden = false;
    if (emulators.demoAccount) {
      $<HTMLInputElement>("email").value = emulators.demoAccount.email;
      $<HTMLInputElement>("password").value = emulators.demoAccount.password;
    }
  }
  const bucket = bucketFor(config, app);

  let userSubscriptions: Unsubscribe[] = [];
  let stopRun: Unsubscribe | null = null;
  /** Per followed run: what the user did here that the run document does not record. */
  let current: {
    id: string;
    cancelled: boolean;
    answering: boolean;
    lastStatus: string;
  } | null = null;

  function followUser(user: User): void {
    $("account-email").textContent = user.email ?? user.uid;
    userSubscriptions = [
      onSnapshot(
        doc(db, "users", user.uid),
        (snap) => {
          $("balance").textContent = String(snap.get("credits") ?? 0);
        },
        showError,
      ),
      onSnapshot(
        query(collection(db, "users", user.uid, "ledger"), orderBy("createdAt", "desc"), limit(50)),
        (snap) => {
          const list = $("ledger");
          list.replaceChildren();
          for (const entry of snap.docs) {
            const amount = Number(entry.get("amount"));
            const runId = entry.get("runId") as string | null;
            list.append(
              el(
                "li",
                {
                  "data-kind": String(entry.get("kind")),
                  "data-run": runId ?? "",
                },
                el("strong", { class: amount < 0 ? "minus" : "plus" }, `${amount > 0 ? "+" : ""}${amount}`),
                ` ${entry.get("kind")}${runId ? ` · run ${runId.slice(0, 8)}` : ""} · ${entry.get("reason") ?? ""}`,
                el("small", {}, formatWhen(entry.get("createdAt"))),
              ),
            );
          }
          if (snap.empty) list.append(el("li", { class: "empty" }, "Nothing yet."));
        },
        showError,
      ),
      onSnapshot(
        query(collection(db, "users", user.uid, "notifications"), orderBy("createdAt", "desc"), limit(20)),
        (snap) => {
          const list = $("notifications");
          list.replaceChildren();
          for (const note of snap.docs) {
            list.append(
              el(
                "li",
                {
                  "data-kind": String(note.get("kind")),
                  "data-run": String(note.get("runId") ?? ""),
                },
                el("strong", {}, String(note.get("title"))),
                ` ${note.get("body")}`,
                el("small", {}, formatWhen(note.get("createdAt"))),
              ),
            );
          }
          if (snap.empty) list.append(el("li", { class: "empty" }, "Nothing yet."));
          // The first snapshot is the backlog; only what arrives later pops up.
          if (!snap.metadata.hasPendingWrites && list.dataset.loaded === "yes") {
            for (const change of snap.docChanges()) {
              if (change.type === "added") toast(String(change.doc.get("title")), String(change.doc.get("body")));
            }
          }
          list.dataset.loaded = "yes";
        },
        showError,
      ),
    ];
  }

  function renderRun(runId: string, run: RunSnapshot): void {
    if (!current || current.id !== runId) return;
    if (run.status !== current.lastStatus) current.answering = false;
    current.lastStatus = run.status;
    const view = runView(run);
    $("run").hidden = false;
    $("run-id").textContent = runId;
    const status = $("run-status");
    status.textContent = view.statusLabel;
    status.dataset.status = run.status;
    const bar = $("run-progress-bar");
    bar.style.width = `${view.pct}%`;
    bar.setAttribute("aria-valuenow", String(view.pct));
    $("run-pct").textContent = `${view.pct}%`;
    $("run-message").textContent = view.message;
    $("run-steps").replaceChildren(
      ...view.steps.map((step) =>
        el(
          "li",
          {
            class: step.state,
            "data-state": step.state,
            "data-stage": step.stage,
          },
          step.label,
        ),
      ),
    );

    const warnings = (run.preflight?.warnings ?? []).map((w) =>
      el("li", { class: w.severity, "data-code": w.code }, el("strong", {}, w.message), ` ${w.recommendation}`),
    );
    $("preflight-warnings").replaceChildren(...warnings.map((w) => w.cloneNode(true)));
    $("face-warnings").replaceChildren(...warnings);
    $("run-cancelled").hidden = !current.cancelled;
    setDialog($<HTMLDialogElement>("face-modal"), view.asksConfirmation && !current.cancelled);
    for (const id of ["face-proceed", "face-cancel"]) $<HTMLButtonElement>(id).disabled = current.answering;

    if (view.asksDecision) {
      const quality = run.quality;
      $("quality-summary").textContent = quality
        ? `${quality.kenBurnsScenes} of ${quality.totalScenes} scenes (${Math.round(quality.degradationPct)}%) could only be made as static pan/zoom animations instead of generated video.`
        : "Some scenes could only be made as static pan/zoom animations.";
      $("static-scenes").replaceChildren(
        ...(run.staticScenes ?? []).map((s) =>
          el(
            "li",
            { "data-scene": String(s.scene), "data-reason": s.reason },
            el("strong", {}, `Scene ${s.scene}`),
            `: ${fallbackReasonLabel(s.reason)}`,
          ),
        ),
      );
      const retriesLeft = run.decisionRetriesLeft ?? 0;
      $<HTMLButtonElement>("decision-retry").disabled = current.answering || retriesLeft <= 0;
      $<HTMLButtonElement>("decision-retry").title =
        retriesLeft > 0 ? `Re-render the static scenes (${retriesLeft} retry left)` : "No retries left";
      for (const id of ["decision-accept", "decision-refund"]) $<HTMLButtonElement>(id).disabled = current.answering;
    }
    setDialog($<HTMLDialogElement>("quality-modal"), view.asksDecision);

    const failureBox = $("run-failure");
    failureBox.hidden = !view.failure;
    if (view.failure) {
      $("failure-message").textContent = view.failure.message;
      const refund = $("refund-status");
      refund.dataset.refund = view.failure.refund;
      refund.textContent = {
        refunded: `Credits refunded: ${view.failure.credits} credits are back in your balance.`,
        refund_pending: "Refunding your credits…",
        not_charged: "Nothing was charged.",
      }[view.failure.refund];
    }

    $("run-result").hidden = !view.video;
    if (view.video) {
      const video = $<HTMLVideoElement>("run-video");
      if (video.dataset.object !== view.video.path) {
        video.dataset.object = view.video.path;
        bucket.videoUrl(view.video.path).then((url) => (video.src = url), showError);
      }
      const q = run.quality;
      $("run-quality").textContent =
        `${view.video.durationSec.toFixed(1)} s` +
        (q
          ? ` · ${q.totalScenes - q.kenBurnsScenes} of ${q.totalScenes} scenes generated, ${q.kenBurnsScenes} static`
          : "");
    }
  }

  function followRun(runId: string): void {
    stopRun?.();
    current = { id: runId, cancelled: false, answering: false, lastStatus: "" };
    $("run-result").hidden = true;
    $<HTMLVideoElement>("run-video").removeAttribute("src");
    delete $<HTMLVideoElement>("run-video").dataset.object;
    stopRun = onSnapshot(
      doc(db, "runs", runId),
      (snap) => {
        if (snap.exists()) renderRun(runId, snap.data() as RunSnapshot);
      },
      showError,
    );
  }

  async function answer(fields: { confirmation: { proceed: true } } | { decision: Decision }): Promise<void> {
    if (!current) return;
    current.answering = true;
    for (const button of document.querySelectorAll<HTMLButtonElement>("dialog button")) button.disabled = true;
    try {
      await updateDoc(doc(db, "runs", current.id), fields);
    } catch (error) {
      current.answering = false;
      showError(error);
    }
  }

  function readFaults(): Record<string, string> | null {
    if (!emulators) return null;
    const faults: Record<string, string> = {};
    for (const field of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-fault]")) {
      if (field.value.trim()) faults[field.dataset.fault as string] = field.value.trim();
    }
    return Object.keys(faults).length > 0 ? FaultsSchema.parse(faults) : null;
  }

  async function createRun(user: User): Promise<void> {
    const file = $<HTMLInputElement>("image").files?.[0];
    if (!file) throw new Error("Pick a product image first.");
    const faults = readFaults();
    $("form-status").textContent = "Uploading your image…";
    const image = await bucket.upload(user, file);
    const input = RunInputSchema.parse({
      image,
      productName: $<HTMLInputElement>("product").value,
      brandName: $<HTMLInputElement>("brand").value,
      brief: $<HTMLTextAreaElement>("brief").value,
      scenes: Number($<HTMLInputElement>("scenes").value),
      aspectRatio: $<HTMLSelectElement>("aspect").value,
    });
    const runRef = doc(collection(db, "runs"));
    await setDoc(runRef, {
      uid: user.uid,
      status: "queued",
      input,
      ...(faults && { test: { faults } }),
      createdAt: serverTimestamp(),
    });
    $("form-status").textContent = faults
      ? `Video requested with test faults ${JSON.stringify(faults)}.`
      : "Video requested.";
    followRun(runRef.id);
  }

  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const error = $("sign-in-error");
    error.hidden = true;
    signInWithEmailAndPassword(auth, $<HTMLInputElement>("email").value, $<HTMLInputElement>("password").value).catch(
      (e: unknown) => {
        error.textContent = `Could not sign in: ${e instanceof Error ? e.message : String(e)}`;
        error.hidden = false;
      },
    );
  });
  $("sign-out").addEventListener("click", () => void signOut(auth));
  $("image").addEventListener("change", () => {
    const file = $<HTMLInputElement>("image").files?.[0];
    const preview = $<HTMLImageElement>("image-preview");
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.hidden = !file;
    if (file) preview.src = URL.createObjectURL(file);
  });
  $("new-run").addEventListener("submit", (event) => {
    event.preventDefault();
    const user = auth.currentUser;
    if (!user) return;
    const button = $<HTMLButtonElement>("create-run");
    button.disabled = true;
    $("page-error").hidden = true;
    createRun(user)
      .catch((error: unknown) => {
        $("form-status").textContent = "";
        showError(error);
      })
      .finally(() => (button.disabled = false));
  });
  $("face-proceed").addEventListener("click", () => void answer({ confirmation: { proceed: true } }));
  $("face-cancel").addEventListener("click", () => {
    // The contract has no client "cancel" write: an unconfirmed run is never charged and the
    // backend closes it when the confirmation window ends.
    if (!current) return;
    current.cancelled = true;
    setDialog($<HTMLDialogElement>("face-modal"), false);
    $("run-cancelled").hidden = false;
  });
  // Escape would close the modal without an answer; Cancel is the explicit way out.
  $("face-modal").addEventListener("cancel", (event) => event.preventDefault());
  $("quality-modal").addEventListener("cancel", (event) => event.preventDefault());
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-decision]")) {
    button.addEventListener("click", () => void answer({ decision: button.dataset.decision as Decision }));
  }

  onAuthStateChanged(auth, (user) => {
    for (const stop of userSubscriptions) stop();
    userSubscriptions = [];
    stopRun?.();
    stopRun = null;
    current = null;
    $("sign-in").hidden = Boolean(user);
    $("app").hidden = !user;
    $("account").hidden = !user;
    $("run").hidden = true;
    if (user) followUser(user);
  });
}

loadPageConfig().then(main).catch(showError);
