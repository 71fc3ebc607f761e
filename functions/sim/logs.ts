/**
 * The handlers log through firebase-functions' logger, which keeps the console methods it found
 * when it was loaded. This module is imported before it, so those methods are forwarders: during a
 * history every log line goes to the history's trace (or nowhere), otherwise to the real console.
 */
type Method = "log" | "info" | "warn" | "error" | "debug";
const METHODS: Method[] = ["log", "info", "warn", "error", "debug"];
const original = Object.fromEntries(METHODS.map((m) => [m, console[m].bind(console)])) as Record<
  Method,
  (...args: unknown[]) => void
>;
let sink: ((line: string) => void) | null = null;

/** A logger entry as one short line: its message, then its fields. */
function readable(args: unknown[]): string {
  const [first] = args;
  if (typeof first === "string" && first.startsWith("{")) {
    try {
      const { severity, message, ...fields } = JSON.parse(first) as Record<string, unknown>;
      const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
      return `${String(severity ?? "").toLowerCase()} ${String(message ?? "")}${rest}`.slice(0, 400);
    } catch {
      return first.slice(0, 400);
    }
  }
  return args.map(String).join(" ").slice(0, 400);
}

for (const method of METHODS) {
  console[method] = (...args: unknown[]) => (sink ? sink(readable(args)) : original[method](...args));
}

export async function captureLogs<T>(into: (line: string) => void, work: () => Promise<T>): Promise<T> {
  sink = into;
  try {
    return await work();
  } finally {
    sink = null;
  }
}
