/** The simulator's command line, parsed and validated (a pure function, tested without running anything). */
export const USAGE = `usage: npm run sim -- [options]
  --seeds N            histories to run, seeds --from .. --from+N-1 (default 200)
  --from S             first seed (default 1)
  --seed S             replay one history with its trace (the seed a violation printed)
  --runs R             customer runs per history (default: 1-4, drawn from the seed)
  --faults-off i,j,..  fault draws switched off (as a shrunk history prints them)
  --steps N            scheduler steps with faults on, per history (default 3000)
  --budget-seconds T   stop starting histories after T seconds (default: no limit)
seeds are whole numbers from 0 to 4294967295`;

export interface CliOptions {
  seeds: number;
  from: number;
  seed?: number;
  runs?: number;
  faultsOff?: ReadonlySet<number>;
  steps: number;
  budgetSeconds: number;
}

export type Parsed = { kind: "run"; options: CliOptions } | { kind: "usage"; error?: string };

const MAX_SEED = 0xffffffff;

function whole(flag: string, text: string | undefined, min: number, max: number): number | string {
  if (text === undefined || !/^\d+$/.test(text))
    return `${flag} needs a whole number, not ${JSON.stringify(text ?? "")}`;
  const value = Number(text);
  if (value < min || value > max) return `${flag} must be from ${min} to ${max}, not ${text}`;
  return value;
}

export function parseSimArgs(argv: readonly string[]): Parsed {
  const options: CliOptions = { seeds: 200, from: 1, steps: 3000, budgetSeconds: Infinity };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") return { kind: "usage" };
    const value = argv[++i];
    let parsed: number | string;
    switch (flag) {
      case "--seeds":
        parsed = whole(flag, value, 1, 1e9);
        if (typeof parsed === "number") options.seeds = parsed;
        break;
      case "--from":
        parsed = whole(flag, value, 0, MAX_SEED);
        if (typeof parsed === "number") options.from = parsed;
        break;
      case "--seed":
        parsed = whole(flag, value, 0, MAX_SEED);
        if (typeof parsed === "number") options.seed = parsed;
        break;
      case "--runs":
        parsed = whole(flag, value, 1, 50);
        if (typeof parsed === "number") options.runs = parsed;
        break;
      case "--steps":
        parsed = whole(flag, value, 1, 1e7);
        if (typeof parsed === "number") options.steps = parsed;
        break;
      case "--budget-seconds":
        parsed = whole(flag, value, 1, 1e7);
        if (typeof parsed === "number") options.budgetSeconds = parsed;
        break;
      case "--faults-off": {
        const items = (value ?? "").split(",");
        if (!value || items.some((item) => !/^\d+$/.test(item))) {
          parsed = `--faults-off needs comma-separated whole numbers, not ${JSON.stringify(value ?? "")}`;
        } else {
          parsed = 0;
          options.faultsOff = new Set(items.map(Number));
        }
        break;
      }
      default:
        return { kind: "usage", error: `unknown option ${JSON.stringify(flag)}` };
    }
    if (typeof parsed === "string") return { kind: "usage", error: parsed };
  }
  return { kind: "run", options };
}
