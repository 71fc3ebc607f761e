/**
 * Everything the page reads from and writes to Firestore, as the client contract allows: live
 * subscriptions (balance, the pipeline settings, the user's runs newest first, one run, ledger,
 * notifications), creating a run, and the only two answers a client may write afterwards.
 */
import type { User } from "firebase/auth";
import {
  collection,
  doc,
  limit,
  onSnapshot,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  updateDoc,
  where,
  type DocumentData,
  type Firestore,
  type QueryDocumentSnapshot,
  type Unsubscribe,
} from "firebase/firestore";
import { httpsCallable, type Functions } from "firebase/functions";
import {
  BILLING_SETTINGS_PATH,
  BillingSettingsSchema,
  type BillingSettings,
} from "../../functions/src/billing/settings";
import { paths } from "../../functions/src/contract/paths";
import { RunInputSchema } from "../../functions/src/contract/run";
import type { Decision } from "../../functions/src/contract/runDocument";
import type { StoryboardAnswer, StoryboardEdit } from "../../functions/src/contract/storyboard";
import {
  PIPELINE_SETTINGS_PATH,
  PipelineSettingsSchema,
  type PipelineSettings,
} from "../../functions/src/pipelineSettings";
import type { RunRequestFields } from "./logic/form";
import type { RunSnapshot } from "./logic/runView";
import type { SceneSnapshot } from "./logic/timeLeft";

export interface RunItem {
  id: string;
  run: RunSnapshot;
  createdAt: Date | null;
}

export interface ActivityItem {
  id: string;
  kind: string;
  runId: string | null;
  title: string;
  body: string;
  amount: number;
  createdAt: Date | null;
  /** A purchase's receipt: what was paid. */
  receipt?: { amount: number; currency: string } | null;
}

/**
 * The client's answers: go on after a warning (or cancel), the quality decision, and on a storyboard a
 * change aimed at the version shown or the approval (or cancel) of that version.
 */
export type Answer =
  | { confirmation: { proceed: boolean } }
  | { decision: Decision }
  | { storyboardEdit: StoryboardEdit }
  | { storyboardAnswer: StoryboardAnswer };

type OnError = (error: Error) => void;

const dateOf = (value: unknown): Date | null =>
  value && typeof (value as { toDate?: unknown }).toDate === "function" ? (value as { toDate(): Date }).toDate() : null;

// A just-created run's server timestamp is estimated locally, so it sorts first at once.
const runItem = (snap: QueryDocumentSnapshot<DocumentData>): RunItem => ({
  id: snap.id,
  run: snap.data({ serverTimestamps: "estimate" }) as RunSnapshot,
  createdAt: dateOf(snap.get("createdAt", { serverTimestamps: "estimate" })),
});

const activityItem = (snap: QueryDocumentSnapshot<DocumentData>): ActivityItem => ({
  id: snap.id,
  kind: String(snap.get("kind") ?? ""),
  runId: (snap.get("runId") as string | null | undefined) ?? null,
  title: String(snap.get("title") ?? ""),
  body: String(snap.get("body") ?? ""),
  amount: Number(snap.get("amount") ?? 0),
  createdAt: dateOf(snap.get("createdAt", { serverTimestamps: "estimate" })),
  receipt: (snap.get("receipt") as ActivityItem["receipt"] | undefined) ?? null,
});

export function createStore(db: Firestore) {
  return {
    watchBalance(uid: string, next: (credits: number) => void, onError: OnError): Unsubscribe {
      return onSnapshot(doc(db, "users", uid), (snap) => next(Number(snap.get("credits") ?? 0)), onError);
    },

    /**
     * The pipeline settings the backend charges and checks runs by (the price, the scene length, the
     * shortest video), read with the backend's own schema and defaults.
     */
    watchSettings(next: (settings: PipelineSettings) => void, onError: OnError): Unsubscribe {
      return onSnapshot(
        doc(db, PIPELINE_SETTINGS_PATH),
        (snap) => {
          const settings = PipelineSettingsSchema.safeParse(snap.data() ?? {});
          if (settings.success) next(settings.data);
          else onError(new Error("The video settings could not be read. Please try again later."));
        },
        onError,
      );
    },

    /** The user's runs, newest first; one more than shown is read to know whether there are older ones. */
    watchRuns(
      uid: string,
      shown: number,
      next: (runs: RunItem[], more: boolean) => void,
      onError: OnError,
    ): Unsubscribe {
      return onSnapshot(
        query(collection(db, "runs"), where("uid", "==", uid), orderBy("createdAt", "desc"), limit(shown + 1)),
        (snap) => next(snap.docs.slice(0, shown).map(runItem), snap.size > shown),
        onError,
      );
    },

    watchRun(runId: string, next: (run: RunItem | null) => void, onError: OnError): Unsubscribe {
      return onSnapshot(
        doc(db, "runs", runId),
        (snap) => next(snap.exists() ? runItem(snap as QueryDocumentSnapshot<DocumentData>) : null),
        onError,
      );
    },

    /** A run's scene documents: how far its scenes are, and the clips of the still ones it asks about. */
    watchScenes(runId: string, next: (scenes: SceneSnapshot[]) => void, onError: OnError): Unsubscribe {
      return onSnapshot(
        collection(db, paths.scenes(runId)),
        (snap) =>
          next(
            snap.docs.map((d) => ({
              sceneNumber: Number(d.get("sceneNumber")),
              round: Number(d.get("round") ?? 0),
              status: String(d.get("status") ?? ""),
              method: (d.get("method") as string | undefined) ?? undefined,
              video: (d.get("video") as string | undefined) ?? undefined,
            })),
          ),
        onError,
      );
    },

    watchLedger(uid: string, next: (items: ActivityItem[]) => void, onError: OnError): Unsubscribe {
      return onSnapshot(
        query(collection(db, "users", uid, "ledger"), orderBy("createdAt", "desc"), limit(30)),
        (snap) => next(snap.docs.map(activityItem)),
        onError,
      );
    },

    /** `added` lists what arrived after the first snapshot (the backlog is not news). */
    watchNotifications(
      uid: string,
      next: (items: ActivityItem[], added: ActivityItem[]) => void,
      onError: OnError,
    ): Unsubscribe {
      let first = true;
      return onSnapshot(
        query(collection(db, "users", uid, "notifications"), orderBy("createdAt", "desc"), limit(20)),
        (snap) => {
          const added = first
            ? []
            : snap
                .docChanges()
                .filter((c) => c.type === "added")
                .map((c) => activityItem(c.doc));
          first = false;
          next(snap.docs.map(activityItem), added);
        },
        onError,
      );
    },

    async createRun(
      user: User,
      image: string,
      fields: RunRequestFields,
      faults: Record<string, string> | null,
    ): Promise<string> {
      const input = RunInputSchema.parse({ image, ...fields });
      const runRef = doc(collection(db, "runs"));
      await setDoc(runRef, {
        uid: user.uid,
        status: "queued",
        input,
        ...(faults && { test: { faults } }),
        createdAt: serverTimestamp(),
      });
      return runRef.id;
    },

    answer(runId: string, fields: Answer): Promise<void> {
      return updateDoc(doc(db, "runs", runId), fields);
    },
  };
}

export type Store = ReturnType<typeof createStore>;

/**
 * Buying credits: the packs on sale (config/billing, read with the backend's schema), and the two
 * callables: a Checkout Session for a pack (the page then goes to its URL) and the welcome grant.
 * Credits themselves only ever arrive from the backend (the webhook), seen in the balance.
 */
export function createBillingStore(db: Firestore, functions: Functions) {
  const createCheckout = httpsCallable<{ pack: string; returnUrl: string }, { sessionId: string; url: string }>(
    functions,
    "createCheckoutSession",
  );
  const claimWelcome = httpsCallable<Record<string, never>, { outcome: string; credits: number }>(
    functions,
    "claimWelcomeCredits",
  );
  return {
    watchBilling(next: (settings: BillingSettings) => void, onError: OnError): Unsubscribe {
      return onSnapshot(
        doc(db, BILLING_SETTINGS_PATH),
        (snap) => {
          const settings = BillingSettingsSchema.safeParse(snap.data() ?? {});
          if (settings.success) next(settings.data);
          else onError(new Error("The credit packs could not be read. Please try again later."));
        },
        onError,
      );
    },
    /** The webhook's record of a Checkout Session (null until it is written). */
    watchPurchase(
      sessionId: string,
      next: (purchase: { status: string; credits: number } | null) => void,
      onError: OnError,
    ): Unsubscribe {
      return onSnapshot(
        doc(db, paths.purchase(sessionId)),
        (snap) =>
          next(
            snap.exists() ? { status: String(snap.get("status")), credits: Number(snap.get("credits") ?? 0) } : null,
          ),
        onError,
      );
    },
    async checkoutUrl(pack: string, returnUrl: string): Promise<string> {
      return (await createCheckout({ pack, returnUrl })).data.url;
    },
    async claimWelcome(): Promise<{ outcome: string; credits: number }> {
      return (await claimWelcome({})).data;
    },
  };
}

export type BillingStore = ReturnType<typeof createBillingStore>;
