/**
 * `npm run web`: the web page on the local emulators. Builds the page, starts the emulators
 * (through scripts/with-emulators.mjs --persist, so runs survive a restart), seeds the demo
 * user, serves the page with the local bucket's videos, and prints the URL. Ctrl-C stops it all.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { buildPage } from "../web/build";
import { emulatorPageConfig, startWebServer } from "../web/server";
import { LOCAL_BUCKET, PROJECT_ID, ROOT, readSeed, seedEmulators } from "./lib/emulators";

/** Shifted like the emulators' ports, so a second suite's page does not collide with the first's. */
const PORT = Number(process.env.FAIRSHOT_WEB_PORT ?? 5173 + Number(process.env.FAIRSHOT_EMULATOR_PORT_OFFSET ?? 0));

async function serve(): Promise<void> {
  const seed = readSeed();
  await seedEmulators(seed);
  const demo = seed.users[0];
  const config = await emulatorPageConfig(PROJECT_ID);
  const server = await startWebServer({
    distDir: path.join(ROOT, "web", "dist"),
    bucketDir: LOCAL_BUCKET,
    config: {
      ...config,
      emulators: config.emulators && {
        ...config.emulators,
        demoAccount: { email: demo.email, password: demo.password },
      },
    },
    port: PORT,
  });
  console.log(
    `\n  fairshot web page (emulator mode): ${server.url}\n  Sign in as ${demo.email} / ${demo.password}. Ctrl-C stops the page and the emulators.\n`,
  );
  // emulators:exec stops the emulators when this command ends, so it waits for Ctrl-C, or
  // for the emulators to go away some other way.
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve).once("SIGTERM", resolve);
    const hub = `http://${process.env.FIREBASE_EMULATOR_HUB}/emulators`;
    setInterval(() => fetch(hub).catch(() => resolve()), 5000).unref();
  });
  await server.close();
  process.exit(0);
}

function startEmulatorsAroundThis(): void {
  buildPage();
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, "scripts", "with-emulators.mjs"),
      "--persist",
      path.join(ROOT, "node_modules", ".bin", "tsx"),
      __filename,
    ],
    { cwd: ROOT, stdio: "inherit" },
  );
  // Ctrl-C reaches the whole process group; the emulators export their state and stop.
  process.on("SIGINT", () => undefined);
  child.on("exit", (code) => process.exit(code ?? 1));
}

if (process.env.FIRESTORE_EMULATOR_HOST && process.env.FIREBASE_EMULATOR_HUB) {
  serve().catch((error: unknown) => {
    console.error(`web: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
} else {
  startEmulatorsAroundThis();
}
