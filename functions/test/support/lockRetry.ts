/**
 * Under load the Firestore emulator refuses a plain write or read with "Transaction lock timeout"
 * (gRPC ABORTED or UNKNOWN) while a function's transaction holds the document. The web SDK retries
 * such writes itself; test and harness code that writes through the Admin SDK retries them here, so
 * an emulator hiccup is never reported as a pipeline failure.
 */
const LOCK_TIMEOUT_CODES = new Set([2, 10]);

export async function retryLockTimeouts<T>(work: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (attempt >= attempts || code === undefined || !LOCK_TIMEOUT_CODES.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}
