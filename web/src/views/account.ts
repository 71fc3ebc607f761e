/**
 * Signing up and the account around it: create an account with email and password (a
 * verification email is sent), reset a forgotten password, Google sign-in, and the verification
 * notice with its "I have verified" step, after which the welcome credits are claimed (the backend
 * grants them once, to verified accounts only).
 */
import {
  createUserWithEmailAndPassword,
  GoogleAuthProvider,
  sendEmailVerification,
  sendPasswordResetEmail,
  signInWithPopup,
  type Auth,
  type User,
} from "firebase/auth";
import type { BillingStore } from "../data";
import { ACCOUNT_WORDS, authErrorWords, googleErrorWords } from "../logic/billing";
import { $ } from "./dom";

const codeOf = (error: unknown) => String((error as { code?: unknown })?.code ?? "");

export class AccountView {
  constructor(
    private readonly auth: Auth,
    private readonly store: BillingStore,
  ) {
    $("sign-up-button").addEventListener("click", () => void this.signUp());
    $("reset-password").addEventListener("click", () => void this.resetPassword());
    $("google-sign-in").addEventListener("click", () => void this.google());
    $("verified-continue").addEventListener("click", () => void this.checkVerified());
    $("resend-verification").addEventListener("click", () => void this.resend());
  }

  /** After every sign-in: the verification notice when needed, else the welcome credits (once, server-side). */
  async started(user: User): Promise<void> {
    $("verify-email").hidden = user.emailVerified;
    if (!user.emailVerified) {
      $("verify-email-text").textContent = ACCOUNT_WORDS.verifyFirst(user.email);
      return;
    }
    try {
      const welcome = await this.store.claimWelcome();
      if (welcome.outcome === "granted") $("welcome-status").textContent = ACCOUNT_WORDS.welcomed(welcome.credits);
    } catch {
      // The next sign-in asks again; nothing is lost.
    }
  }

  private fields(): { email: string; password: string } {
    return { email: $<HTMLInputElement>("email").value.trim(), password: $<HTMLInputElement>("password").value };
  }

  private say(text: string, isError = false): void {
    const error = $("sign-in-error");
    error.textContent = isError ? text : "";
    error.hidden = !isError;
    $("account-status").textContent = isError ? "" : text;
  }

  private async signUp(): Promise<void> {
    const { email, password } = this.fields();
    if (!$<HTMLInputElement>("email").checkValidity() || !email)
      return this.say(authErrorWords("auth/invalid-email"), true);
    if (password.length < 8) return this.say(authErrorWords("auth/weak-password"), true);
    try {
      const { user } = await createUserWithEmailAndPassword(this.auth, email, password);
      await sendEmailVerification(user);
    } catch (error) {
      this.say(authErrorWords(codeOf(error)), true);
    }
  }

  private async resetPassword(): Promise<void> {
    const { email } = this.fields();
    if (!email || !$<HTMLInputElement>("email").checkValidity()) return this.say(ACCOUNT_WORDS.resetNeedsEmail, true);
    try {
      await sendPasswordResetEmail(this.auth, email);
    } catch (error) {
      // An unknown address is not revealed: the same words either way.
      if (codeOf(error) !== "auth/user-not-found") return this.say(authErrorWords(codeOf(error)), true);
    }
    this.say(ACCOUNT_WORDS.resetSent(email));
  }

  private async google(): Promise<void> {
    try {
      await signInWithPopup(this.auth, new GoogleAuthProvider());
    } catch (error) {
      this.say(googleErrorWords(codeOf(error)), true);
    }
  }

  private async checkVerified(): Promise<void> {
    const user = this.auth.currentUser;
    if (!user) return;
    await user.reload();
    // A fresh ID token carries email_verified for the backend.
    await user.getIdToken(true);
    if (!user.emailVerified) {
      $("verify-email-status").textContent = ACCOUNT_WORDS.notVerifiedYet;
      return;
    }
    $("verify-email-status").textContent = "";
    await this.started(user);
  }

  private async resend(): Promise<void> {
    const user = this.auth.currentUser;
    if (!user) return;
    try {
      await sendEmailVerification(user);
      $("verify-email-status").textContent = ACCOUNT_WORDS.linkSentAgain;
    } catch (error) {
      $("verify-email-status").textContent = authErrorWords(codeOf(error));
    }
  }
}
