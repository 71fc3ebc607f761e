/**
 * The layers of functions/src (functions/layers.json) hold: every folder and top-level file has a
 * place, no module imports one above it, and no two folders import each other. The lint rule that
 * keeps them is proved by linting files that break it: ESLint runs as `npm run lint` runs it.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import LAYERS from "../../layers.json";

const FUNCTIONS = path.resolve(__dirname, "..", "..");
const SRC = path.join(FUNCTIONS, "src");
const ESLINT_CLI = path.join(path.dirname(require.resolve("eslint/package.json")), "bin", "eslint.js");

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/** Lints `text` as if it were the file `relPath` under src/ (the file need not exist). */
function lintAt(relPath: string, text: string): LintMessage[] {
  const run = spawnSync(
    process.execPath,
    [ESLINT_CLI, "--stdin", "--stdin-filename", path.join(SRC, relPath), "--format", "json"],
    { cwd: FUNCTIONS, input: text, encoding: "utf8" },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint failed: ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as { messages: LintMessage[] }[];
  return result.messages;
}

const RANKS = new Map<string, { rank: number; layer: string }>(
  LAYERS.layers.flatMap((layer) => layer.members).map((member, rank) => [member, { rank, layer: "" }]),
);
for (const layer of LAYERS.layers) for (const member of layer.members) RANKS.get(member)!.layer = layer.name;

/** The member of layers.json a path under src/ belongs to: its top folder, or the top-level file. */
function memberOf(file: string): string {
  const top = path.relative(SRC, file).split(path.sep)[0];
  return RANKS.has(top) ? top : `${top.replace(/\.ts$/, "")}.ts`;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Every relative import and re-export of src/, as member → member edges (same-member ones left out). */
function memberImports(): { from: string; to: string; where: string }[] {
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, "utf8");
    return [...text.matchAll(/^(?:import|export)\b[^;]*?from\s*"(\.[^"]+)"/gms)].flatMap(([, spec]) => {
      const to = memberOf(path.resolve(path.dirname(file), spec));
      const from = memberOf(file);
      return from === to ? [] : [{ from, to, where: `${path.relative(SRC, file)} → ${spec}` }];
    });
  });
}

/** Groups of two or more members that import each other, directly or round a longer circle. */
function circles(edges: { from: string; to: string }[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) next.set(from, (next.get(from) ?? new Set()).add(to));
  const reaches = (a: string, b: string) => {
    const seen = new Set<string>();
    const stack = [a];
    while (stack.length) {
      for (const n of next.get(stack.pop()!) ?? []) {
        if (n === b) return true;
        if (seen.has(n)) continue;
        seen.add(n);
        stack.push(n);
      }
    }
    return false;
  };
  const members = [...next.keys()];
  const groups = new Map<string, string[]>();
  for (const a of members) {
    const group = members.filter((b) => b === a || (reaches(a, b) && reaches(b, a))).sort();
    if (group.length > 1) groups.set(group.join(), group);
  }
  return [...groups.values()];
}

test("every folder and top-level file of src/ has its place in layers.json, once", () => {
  const all = LAYERS.layers.flatMap((layer) => layer.members);
  expect(new Set(all).size).toBe(all.length);
  expect(readdirSync(SRC).sort()).toEqual([...all].sort());
});

test("src/ has no upward import and no circle between folders", () => {
  const edges = memberImports();
  const upward = edges.filter(({ from, to }) => RANKS.get(to)!.rank > RANKS.get(from)!.rank);
  const found = circles(edges);
  console.log(
    `layers: ${edges.length} imports between members of src/, ${upward.length} upward, ${found.length} folder circles` +
      upward.map((edge) => `\n  upward: ${edge.where}`).join("") +
      found.map((group) => `\n  circle: ${group.join(" ↔ ")}`).join(""),
  );
  expect(upward.map((edge) => edge.where)).toEqual([]);
  expect(found).toEqual([]);
});

test("lint refuses an upward import, naming the rule and both layers", () => {
  const messages = lintAt(
    "contract/upward.ts",
    'import { userMessages } from "../messages";\nexport const texts = userMessages;\n',
  );
  expect(messages).toEqual([
    expect.objectContaining({
      ruleId: "no-restricted-imports",
      message: expect.stringContaining("layers: contract (layer contract) may not import messages (layer config)"),
    }),
  ]);
});

test("lint refuses the import that would close a circle between two domain folders", () => {
  // media may use quality's measurements; quality importing media back would make them a circle.
  const down = lintAt(
    "media/downward.ts",
    'import { clipVerdict } from "../quality/verdict";\nexport const v = clipVerdict;\n',
  );
  expect(down).toEqual([]);
  const back = lintAt(
    "quality/backward.ts",
    'import { frameSize } from "../media/clip";\nexport const f = frameSize;\n',
  );
  expect(back.map((m) => m.message)).toEqual([expect.stringContaining("quality (layer domain) may not import media")]);
});

test("lint refuses a provider reaching up to the composition root, from a nested folder too", () => {
  const messages = lintAt(
    "providers/local/wired.ts",
    'import { pipelineDeps } from "../../wiring";\nexport const d = pipelineDeps;\n',
  );
  expect(messages.map((m) => m.ruleId)).toEqual(["no-restricted-imports"]);
  expect(messages[0].message).toContain("providers (layer providers) may not import wiring (layer root)");
});
