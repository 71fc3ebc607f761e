/**
 * Wires the page together: configuration and Firebase, the signed-in session's live data, and
 * the views (the form, My videos, the question modal, notifications, credit history, toasts).
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
import { connectFirestoreEmulator, getFirestore, type Unsubscribe } from "firebase/firestore";
import { connectFunctionsEmulator, getFunctions } from "firebase/functions";
import { FaultsSchema } from "../../functions/src/contract/faults";
import { bucketFor } from "./bucket";
import { createBrandKitStore } from "./brandKitData";
import { loadPageConfig, type PageConfig } from "./config";
import { createBillingStore, createStore, type Answer, type RunItem } from "./data";
import { checkRunForm, sceneRange } from "./logic/form";
import { ASKING_KINDS, notificationWords } from "./logic/activity";
import { isInProgress } from "./logic/runView";
import { errorWords } from "./logic/words";
import { AccountView } from "./views/account";
import { BrandKitView } from "./views/brandKit";
import { renderLedger, renderNotifications, runHref } from "./views/activity";
import { BuyCreditsView } from "./views/buyCredits";
import { $ } from "./views/dom";
import { Modal } from "./views/modal";
import { NewRunForm } from "./views/newRunForm";
import { QuestionModal } from "./views/questionModal";
import { dropQuestionToasts, showToast } from "./views/toasts";
import { VideosView } from "./views/videos";

const PAGE_SIZE = 10;

function showError(error: unknown): void {
  const box = $("page-error");
  box.textContent = errorWords(error);
  box.hidden = false;
}

function setUpEmulatorMode(emulators: NonNullable<PageConfig["emulators"]>): void {
  const banner = $("emulator-banner");
  banner.textContent = "Test mode: this page talks to local emulators. Credits and videos here are not real.";
  banner.hidden = false;
  $("dev-options").hidden = false;
  if (emulators.demoAccount) {
    $<HTMLInputElement>("email").value = emulators.demoAccount.email;
    $<HTMLInputElement>("password").value = emulators.demoAccount.password;
  }
}

/** Faults for the next run, from the developer options (emulators only; the backend refuses them elsewhere). */
function readFaults(): Record<string, string> | null {
  const faults: Record<string, string> = {};
  for (const field of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-fault]")) {
    if (field.value.trim()) faults[field.dataset.fault as string] = field.value.trim();
  }
  return Object.keys(faults).length > 0 ? FaultsSchema.parse(faults) : null;
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The saved file's name: the video's title, with the object's own extension (.mp4, .vtt). */
const fileNameFor = (title: string, objectPath: string): string =>
  `${
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "video"
  }${/\.[a-z0-9]+$/.exec(objectPath)?.[0] ?? ".mp4"}`;

/** The Firebase app and its services, pointed at the emulators when the page runs on them. */
function connectFirebase(config: PageConfig) {
  const app = initializeApp(config.firebase);
  const auth = getAuth(app);
  const db = getFirestore(app);
  if (config.emulators) {
    connectAuthEmulator(auth, config.emulators.authUrl, { disableWarnings: true });
    connectFirestoreEmulator(db, config.emulators.firestore.host, config.emulators.firestore.port);
    setUpEmulatorMode(config.emulators);
  }
  const functions = getFunctions(app);
  if (config.emulators?.functions)
    connectFunctionsEmulator(functions, config.emulators.functions.host, config.emulators.functions.port);
  return { app, auth, db, functions };
}

/** Resolves true when the user wants another video while one is still in progress. */
function confirmSecondRun(secondRun: Modal, price: number | null): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (yes: boolean) => {
      $("second-run-go").removeEventListener("click", go);
      $("second-run-cancel").removeEventListener("click", no);
      secondRun.close();
      resolve(yes);
    };
    const go = () => done(true);
    const no = () => done(false);
    $("second-run-go").addEventListener("click", go);
    $("second-run-cancel").addEventListener("click", no);
    $("second-run-text").textContent =
      `Start another video as well? It is charged separately${price === null ? "" : `: ${price} more credits`}.`;
    secondRun.open();
  });
}

/** The views a signed-in user's live data goes to. */
interface AccountViews {
  form: NewRunForm;
  videos: VideosView;
  questionModal: QuestionModal;
}

/** The signed-in user's balance, settings, credit history and notifications, each kept live in its views. */
function watchAccount(
  user: User,
  store: ReturnType<typeof createStore>,
  { form, videos, questionModal }: AccountViews,
): Unsubscribe[] {
  return [
    store.watchBalance(
      user.uid,
      (credits) => {
        $("balance").textContent = String(credits);
        form.setBalance(credits);
        videos.setBalance(credits);
      },
      showError,
    ),
    store.watchSettings((settings) => {
      form.setPrice(settings.runPriceCredits);
      form.setApproval(settings.approval);
      form.setSceneRange(sceneRange(settings));
      videos.setSettings(settings.runPriceCredits, settings.maxScriptRegenerations, settings.approval);
    }, showError),
    store.watchLedger(user.uid, (items) => renderLedger($("ledger"), items), showError),
    store.watchNotifications(
      user.uid,
      (items, added) => {
        renderNotifications($("notifications"), items);
        for (const note of added) {
          const asks = ASKING_KINDS.includes(note.kind);
          // The run started here asks in its modal already; a toast would say it twice.
          if (asks && note.runId && questionModal.isAsking(note.runId)) continue;
          showToast(
            $("toasts"),
            { ...notificationWords(note), runId: note.runId, asks },
            note.runId ? runHref(note.runId) : null,
          );
        }
      },
      showError,
    ),
  ];
}

async function main(config: PageConfig): Promise<void> {
  const { app, auth, db, functions } = connectFirebase(config);
  const bucket = bucketFor(config, app);
  const store = createStore(db);
  const billing = createBillingStore(db, functions);
  const account = new AccountView(auth, billing);
  const buyCredits = new BuyCreditsView(billing, (url) => location.assign(url));
  buyCredits.takeCheckoutReturn();
  const form = new NewRunForm();
  const brandKit = new BrandKitView(createBrandKitStore(db), bucket);

  const answer = (runId: string, fields: Answer): void => {
    if (videos.isBusy(runId)) return;
    videos.setBusy(runId, true);
    store
      .answer(runId, fields)
      .catch(showError)
      .finally(() => videos.setBusy(runId, false));
  };
  const videos = new VideosView($("run-list") as HTMLOListElement, $("runs-empty"), $<HTMLButtonElement>("more-runs"), {
    answer,
    mediaUrl: (objectPath) => bucket.mediaUrl(objectPath),
    buyCredits: () => buyCredits.focus(),
    watchScenes: (runId, next) => store.watchScenes(runId, next, showError),
    download: async (_runId, objectPath, title) =>
      saveBlob(await bucket.download(objectPath), fileNameFor(title, objectPath)),
  });
  const questionModal = new QuestionModal(
    $<HTMLDialogElement>("question-modal"),
    answer,
    (runId) => videos.card(runId)?.heading ?? null,
    (objectPath) => bucket.mediaUrl(objectPath),
  );
  videos.onRender = (item, view, busy) => {
    questionModal.update(item.id, view, busy);
    if (view.outcome !== "needs_answer" || questionModal.isAsking(item.id)) dropQuestionToasts($("toasts"), item.id);
  };

  let session: {
    user: User;
    stops: Unsubscribe[];
    runs: RunItem[];
    shown: number;
    stopRuns: Unsubscribe | null;
    pinned: { runId: string; stop: Unsubscribe } | null;
  } | null = null;

  function watchRuns(): void {
    if (!session) return;
    const current = session;
    current.stopRuns?.();
    current.stopRuns = store.watchRuns(
      current.user.uid,
      current.shown,
      (runs, more) => {
        current.runs = runs;
        videos.setRuns(runs, more);
        revealFromHash(false);
      },
      showError,
    );
  }

  /** `#run-{id}` (from a notification, the ledger, or a bookmark) shows that run, loaded or not. */
  function revealFromHash(focus: boolean): void {
    const runId = /^#run-([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
    if (!runId || !session) return;
    if (videos.has(runId)) {
      if (focus) videos.reveal(runId);
      return;
    }
    if (session.pinned?.runId === runId) return;
    if (session.pinned) {
      session.pinned.stop();
      videos.setPinned(session.pinned.runId, null);
    }
    let reveal = focus;
    session.pinned = {
      runId,
      stop: store.watchRun(
        runId,
        (item) => {
          videos.setPinned(runId, item);
          if (reveal) videos.reveal(runId);
          reveal = false;
        },
        showError,
      ),
    };
  }

  function startSession(user: User): void {
    $("account-email").textContent = user.email ?? "";
    form.useDraftOf(user.uid);
    session = { user, stops: [], runs: [], shown: PAGE_SIZE, stopRuns: null, pinned: null };
    const stops = session.stops;
    stops.push(...watchAccount(user, store, { form, videos, questionModal }));
    stops.push(...buyCredits.watch(store, showError));
    stops.push(brandKit.watch(user, showError, (kit) => form.setMusicDefault(kit.music)));
    void account.started(user);
    watchRuns();
  }

  function endSession(): void {
    for (const stop of session?.stops ?? []) stop();
    session?.stopRuns?.();
    session?.pinned?.stop();
    session = null;
    videos.clear();
    questionModal.follow(null);
    form.setBalance(null);
    videos.setBalance(null);
    form.useDraftOf(null);
  }

  const secondRun = new Modal($<HTMLDialogElement>("second-run-modal"), () => $("second-run-cancel").click());

  async function createRun(user: User): Promise<void> {
    const check = checkRunForm(await form.read(), form.sceneRange);
    if (!check.ok) {
      form.showErrors(check.errors);
      form.setStatus("Please correct the fields marked above.");
      return;
    }
    form.showErrors({});
    const running = session?.runs.filter((item) => isInProgress(item.run)).length ?? 0;
    if (running > 0 && !(await confirmSecondRun(secondRun, form.priceCredits))) {
      form.setStatus("");
      return;
    }
    const faults = config.emulators ? readFaults() : null;
    form.setStatus("Uploading your image…");
    const image = await bucket.upload(user, form.file as File);
    form.setStatus("Starting your video…");
    const runId = await store.createRun(user, image, check.fields, faults);
    form.clearDraft();
    form.setStatus("Sent: your video is at the top of My videos.");
    questionModal.follow(runId);
    // The new run is the list's first card: bring it into view and tell screen readers where they are.
    history.replaceState(null, "", runHref(runId));
    revealFromHash(true);
  }

  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const error = $("sign-in-error");
    error.hidden = true;
    signInWithEmailAndPassword(auth, $<HTMLInputElement>("email").value, $<HTMLInputElement>("password").value).catch(
      () => {
        error.textContent = "Could not sign in: check your email and password.";
        error.hidden = false;
      },
    );
  });
  $("sign-out").addEventListener("click", () => void signOut(auth));
  $("more-runs").addEventListener("click", () => {
    if (!session) return;
    session.shown += PAGE_SIZE;
    watchRuns();
  });
  form.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const user = auth.currentUser;
    if (!user || form.isSubmitting) return;
    $("page-error").hidden = true;
    form.setSubmitting(true);
    createRun(user)
      .catch((error: unknown) => {
        form.setStatus("");
        showError(error);
      })
      .finally(() => form.setSubmitting(false));
  });
  window.addEventListener("hashchange", () => revealFromHash(true));

  onAuthStateChanged(auth, (user) => {
    endSession();
    $("sign-in").hidden = Boolean(user);
    $("app").hidden = !user;
    $("account").hidden = !user;
    if (user) startSession(user);
  });
}

loadPageConfig().then(main).catch(showError);
