/** Runs `npm run deploy:check` (scripts/deployCheck.ts) the way an operator does, on any project root. */
import { execFileSync } from "node:child_process";
import path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..", "..");
const TSX = require.resolve("tsx/cli");

export function deployCheck(root: string, ...args: string[]): { code: number; out: string } {
  return deployCheckWith({}, root, ...args);
}

/** The command with `env` added to an environment that holds no provider keys. */
export function deployCheckWith(env: Record<string, string>, root: string, ...args: string[]) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GEMINI|OPENAI)_API_KEY$/.test(k)));
  try {
    const out = execFileSync(
      process.execPath,
      [TSX, path.join(REPO, "scripts", "deployCheck.ts"), "--root", root, ...args],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...base, ...env },
      },
    );
    return { code: 0, out };
  } catch (error) {
    const e = error as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}
