/** Builds the page into web/dist with Vite; used by `npm run web` and by the browser tests. */
import { execFileSync } from "node:child_process";
import path from "node:path";

export const WEB_DIST = path.join(__dirname, "dist");

/** Vite's own CLI in a child process: Vite is ESM-only and does not load under tsx's CommonJS hooks. */
export function buildPage(): string {
  const vite = path.join(path.dirname(require.resolve("vite/package.json")), "bin", "vite.js");
  execFileSync(process.execPath, [vite, "build", "--config", path.join(__dirname, "vite.config.mts")], {
    stdio: "inherit",
  });
  return WEB_DIST;
}
