import { spawn } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import { access, chmod, copyFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

export type MediaTool = "ffmpeg" | "ffprobe";

/** Leading ffmpeg options for unattended runs: overwrite output, never read stdin, print only errors. */
export const FFMPEG_BATCH_OPTIONS = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"] as const;

export const DEFAULT_FFMPEG_TIMEOUT_MS = 120_000;
export const DEFAULT_FFPROBE_TIMEOUT_MS = 20_000;

/** How much of stderr an error keeps: ffmpeg prints the cause last. */
const STDERR_TAIL_CHARS = 2000;

const FAULT_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set([
  "SIGSEGV",
  "SIGBUS",
  "SIGILL",
  "SIGFPE",
  "SIGABRT",
  "SIGTRAP",
]);

export class MediaToolError extends Error {
  readonly tool: MediaTool;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** The signal that ended the process: a crash (SIGSEGV, SIGABRT...), or our SIGKILL after a timeout. */
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;

  constructor(args: {
    tool: MediaTool;
    message: string;
    exitCode: number | null;
    timedOut: boolean;
    signal?: NodeJS.Signals | null;
    stderrTail: string;
  }) {
    super(args.message);
    this.name = "MediaToolError";
    this.tool = args.tool;
    this.exitCode = args.exitCode;
    this.timedOut = args.timedOut;
    this.signal = args.signal ?? null;
    this.stderrTail = args.stderrTail;
  }

  /**
   * The tool died of a fault of its own (a bad memory access, an abort, an illegal instruction): what its
   * input makes it do, so running it again on the same input crashes again. A SIGKILL is not counted: it
   * is our timeout or the system reclaiming memory, which a retry on a quieter machine may not meet.
   */
  get crashed(): boolean {
    return this.signal !== null && !this.timedOut && FAULT_SIGNALS.has(this.signal);
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The npm packages ship some binaries without execute permission for everyone (ffprobe is 0744).
 * Add it in place; where node_modules is read-only or not ours (deployed functions), run a copy in tmp.
 */
async function ensureExecutable(file: string): Promise<string> {
  if (await isExecutable(file)) return file;
  try {
    await chmod(file, 0o755);
    if (await isExecutable(file)) return file;
  } catch {
    // Not allowed to change it in place: fall through to the private copy.
  }
  const dir = join(tmpdir(), `fairshot-media-bin-${process.getuid?.() ?? "user"}`);
  const copy = join(dir, basename(file));
  if (await isExecutable(copy)) return copy;
  await mkdir(dir, { recursive: true });
  await copyFile(file, copy);
  await chmod(copy, 0o755);
  return copy;
}

async function resolveInstallerPath(tool: MediaTool): Promise<string> {
  let path: string;
  try {
    // Loaded lazily: the installer packages throw at require time when their binary is absent.
    const installer =
      tool === "ffmpeg" ? await import("@ffmpeg-installer/ffmpeg") : await import("@ffprobe-installer/ffprobe");
    path = installer.path;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`${tool} binary is missing: @${tool}-installer/${tool} could not provide it (${detail})`);
  }
  try {
    await access(path, fsConstants.R_OK);
  } catch {
    throw new Error(`${tool} binary is missing at ${path}`);
  }
  return ensureExecutable(path);
}

const resolvedPaths = new Map<MediaTool, Promise<string>>();

/** Absolute path of a runnable binary, resolved once per process. */
export function binaryPath(tool: MediaTool): Promise<string> {
  let resolved = resolvedPaths.get(tool);
  if (!resolved) {
    resolved = resolveInstallerPath(tool);
    // A failed resolution is not cached, so a fixed installation works without a restart.
    resolved.catch(() => resolvedPaths.delete(tool));
    resolvedPaths.set(tool, resolved);
  }
  return resolved;
}

export interface RunOptions {
  timeoutMs?: number;
  /** How much of stderr to keep (the end of it); analysis passes that parse the whole log ask for all. */
  stderrChars?: number;
}

export interface RunOutput {
  stdout: string;
  stderr: string;
}

function describeFailure(tool: MediaTool, exitCode: number | null, signal: NodeJS.Signals | null, stderrTail: string) {
  const how = exitCode !== null ? `exited with code ${exitCode}` : `crashed (${signal ?? "unknown signal"})`;
  const cause = stderrTail.trim();
  return `${tool} ${how}${cause ? `: ${cause}` : " (no error output)"}`;
}

const tail = (stderr: string) => stderr.slice(-STDERR_TAIL_CHARS);

/** Spawns a binary directly (no shell); rejects on non-zero exit or timeout, killing the process. */
function spawnTool(
  tool: MediaTool,
  binary: string,
  args: readonly string[],
  timeoutMs: number,
  stderrChars = STDERR_TAIL_CHARS,
): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);

    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      if (stderr.length > stderrChars) stderr = stderr.slice(-stderrChars);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${tool} could not be started (${binary}): ${error.message}`));
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new MediaToolError({
            tool,
            message: `${tool} timed out after ${timeoutMs} ms and was killed${tail(stderr).trim() ? `: ${tail(stderr).trim()}` : ""}`,
            exitCode,
            timedOut: true,
            signal,
            stderrTail: tail(stderr),
          }),
        );
      } else if (exitCode !== 0) {
        reject(
          new MediaToolError({
            tool,
            message: describeFailure(tool, exitCode, signal, tail(stderr)),
            exitCode,
            timedOut: false,
            signal,
            stderrTail: tail(stderr),
          }),
        );
      } else {
        resolve({ stdout: Buffer.concat(stdout).toString("utf8"), stderr });
      }
    });
  });
}

export async function runFfmpeg(args: readonly string[], options: RunOptions = {}): Promise<RunOutput> {
  return spawnTool(
    "ffmpeg",
    await binaryPath("ffmpeg"),
    args,
    options.timeoutMs ?? DEFAULT_FFMPEG_TIMEOUT_MS,
    options.stderrChars,
  );
}

export async function runFfprobe(args: readonly string[], options: RunOptions = {}): Promise<RunOutput> {
  return spawnTool("ffprobe", await binaryPath("ffprobe"), args, options.timeoutMs ?? DEFAULT_FFPROBE_TIMEOUT_MS);
}
