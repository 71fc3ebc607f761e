import { z } from "zod";

/**
 * What the page needs to know about where it runs, read from `config.json` beside it: the
 * Firebase project, and, under the emulators only, where they listen. The upload path and the
 * video URLs follow from it (Storage SDK in production, the local bucket under the emulators).
 */
export const PageConfigSchema = z
  .object({
    firebase: z.object({
      apiKey: z.string().min(1),
      authDomain: z.string().min(1),
      projectId: z.string().min(1),
      storageBucket: z.string().min(1).optional(),
    }),
    emulators: z
      .object({
        authUrl: z.string().url(),
        firestore: z.object({
          host: z.string().min(1),
          port: z.number().int().positive(),
        }),
        /** The Functions emulator, for the billing callables (optional: pages built before them have none). */
        functions: z.object({ host: z.string().min(1), port: z.number().int().positive() }).optional(),
        /** The emulator-only upload function (functions/src/uploads). */
        uploadUrl: z.string().url(),
        /** Base URL under which the local bucket's objects are served (scripts/web.ts). */
        bucketUrl: z.string().min(1),
        /** The seeded demo account, offered on the sign-in form. */
        demoAccount: z.object({ email: z.string().email(), password: z.string().min(6) }).optional(),
      })
      .optional(),
  })
  .strict();
export type PageConfig = z.infer<typeof PageConfigSchema>;

export async function loadPageConfig(): Promise<PageConfig> {
  const response = await fetch("./config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return PageConfigSchema.parse(await response.json());
}
