/**
 * The deploy targets beside the functions: Firestore and Storage rules and Firestore indexes.
 * Rules are compiled by the Firebase Rules API at deploy time, which is not reachable offline;
 * this catches what breaks that compile most often (a missing file, a missing service block,
 * unbalanced brackets or quotes, a wrong rules_version), and the rules tests run the real
 * Firestore emulator's compiler on firestore.rules.
 */
import { z } from "zod";
import type { CheckResult, Problem } from "./checks";

export interface FirebaseJson {
  firestore?: { rules?: string; indexes?: string };
  storage?: { rules?: string } | { rules?: string }[];
  functions?: { source?: string; runtime?: string; predeploy?: string[] }[] | { source?: string; runtime?: string };
}

export interface DeployTarget {
  /** The file named in firebase.json, relative to the project root. */
  file: string;
  kind: "firestore.rules" | "storage.rules" | "firestore.indexes";
}

export function deployTargets(config: FirebaseJson): { targets: DeployTarget[]; problems: Problem[] } {
  const targets: DeployTarget[] = [];
  const problems: Problem[] = [];
  const need = (file: string | undefined, kind: DeployTarget["kind"], key: string) => {
    if (file) targets.push({ file, kind });
    else
      problems.push({
        subject: "firebase.json",
        message: `${key} is not set`,
        fix: `point ${key} at the ${kind} file`,
      });
  };
  need(config.firestore?.rules, "firestore.rules", "firestore.rules");
  need(config.firestore?.indexes, "firestore.indexes", "firestore.indexes");
  const storage = Array.isArray(config.storage) ? config.storage[0] : config.storage;
  need(storage?.rules, "storage.rules", "storage.rules");
  return { targets, problems };
}

/** Comments and string literals removed, so brackets inside them do not count. */
function codeOnly(text: string): { code: string; unterminated: boolean } {
  let code = "";
  let unterminated = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      code += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return { code, unterminated: true };
      i = end + 1;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      const newline = text.indexOf("\n", i + 1);
      if (end < 0 || (newline >= 0 && newline < end)) unterminated = true;
      i = end < 0 ? text.length : end;
      code += "''";
    } else code += c;
  }
  return { code, unterminated };
}

function bracketProblem(code: string): string | null {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  const lines = code.split("\n");
  for (let line = 0; line < lines.length; line++) {
    for (const c of lines[line]) {
      if (c === "(" || c === "[" || c === "{") stack.push(c);
      else if (c in pairs && stack.pop() !== pairs[c]) return `unbalanced '${c}' on line ${line + 1}`;
    }
  }
  return stack.length > 0 ? `${stack.length} bracket(s) never closed` : null;
}

export function checkRulesText(target: DeployTarget, text: string): Problem[] {
  const service = target.kind === "firestore.rules" ? "cloud.firestore" : "firebase.storage";
  const { code, unterminated } = codeOnly(text);
  const problems: string[] = [];
  if (!/^\s*rules_version\s*=\s*''\s*;/m.test(code) || !/rules_version\s*=\s*['"]2['"]/.test(text)) {
    problems.push("does not start with rules_version = '2';");
  }
  if (!new RegExp(`service\\s+${service.replace(".", "\\.")}\\s*\\{`).test(code))
    problems.push(`has no \`service ${service} {\` block`);
  if (unterminated) problems.push("has an unterminated string or comment");
  const brackets = bracketProblem(code);
  if (brackets) problems.push(`has ${brackets}`);
  return problems.map((message) => ({ subject: target.file, message, fix: "fix the rules source" }));
}

const IndexesSchema = z.object({
  indexes: z.array(
    z.object({
      collectionGroup: z.string().min(1),
      queryScope: z.enum(["COLLECTION", "COLLECTION_GROUP"]),
      fields: z
        .array(
          z.object({
            fieldPath: z.string().min(1),
            order: z.enum(["ASCENDING", "DESCENDING"]).optional(),
            arrayConfig: z.literal("CONTAINS").optional(),
          }),
        )
        .min(1),
    }),
  ),
  fieldOverrides: z.array(z.object({ collectionGroup: z.string(), fieldPath: z.string() }).passthrough()).optional(),
});

export function checkIndexesText(target: DeployTarget, text: string): Problem[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return [{ subject: target.file, message: `is not JSON: ${(error as Error).message}`, fix: "fix the JSON" }];
  }
  const parsed = IndexesSchema.safeParse(json);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    subject: target.file,
    message: `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    fix: "match the shape `firebase firestore:indexes` writes",
  }));
}

export function checkProjectFiles(config: FirebaseJson, read: (file: string) => string | null): CheckResult {
  const { targets, problems } = deployTargets(config);
  for (const target of targets) {
    const text = read(target.file);
    if (text === null) {
      problems.push({ subject: target.file, message: "is missing", fix: `create it or fix the path in firebase.json` });
      continue;
    }
    problems.push(
      ...(target.kind === "firestore.indexes" ? checkIndexesText(target, text) : checkRulesText(target, text)),
    );
  }
  return { checked: `deploy files: ${targets.map((t) => t.file).join(", ")}`, problems };
}
