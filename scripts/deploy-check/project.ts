/**
 * Reads a project as `firebase deploy` sees it: firebase.json, the functions package, its
 * dotenv params, and the functions' manifest (discovered by loading the built code with
 * firebase-functions' own discovery, as the CLI does).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import type { FirebaseJson } from "./projectFiles";

export interface FunctionsSource {
  dir: string;
  configuredRuntime?: string;
  packageJson: { main?: string; engines?: { node?: string } };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

export function readTextOrNull(file: string): string | null {
  return existsSync(file) ? readFileSync(file, "utf8") : null;
}

export function functionsSource(root: string, config: FirebaseJson): FunctionsSource {
  const entry = Array.isArray(config.functions) ? config.functions[0] : config.functions;
  const dir = path.join(root, entry?.source ?? "functions");
  return { dir, configuredRuntime: entry?.runtime, packageJson: readJson(path.join(dir, "package.json")) };
}

/** KEY=VALUE lines of functions/.env (empty values count as unset, as firebase-tools treats them). */
export function readDotenv(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of (readTextOrNull(file) ?? "").split("\n")) {
    const match = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match && match[2] !== "") env[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
  }
  return env;
}

/** The folder of `name` as the functions package resolves it (its "exports" hide package.json). */
function packageDir(from: string, name: string): string {
  let dir = path.dirname(createRequire(path.join(from, "package.json")).resolve(name));
  while (
    !existsSync(path.join(dir, "package.json")) ||
    readJson<{ name?: string }>(path.join(dir, "package.json")).name !== name
  ) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${name} is not installed for ${from}`);
    dir = parent;
  }
  return dir;
}

/** The manifest firebase-functions writes for firebase-tools (`FUNCTIONS_MANIFEST_OUTPUT_PATH`). */
export function discoverManifest(source: FunctionsSource, project: string): unknown {
  const bin = path.join(packageDir(source.dir, "firebase-functions"), "lib/bin/firebase-functions.js");
  const out = mkdtempSync(path.join(os.tmpdir(), "deploy-check-"));
  const manifestFile = path.join(out, "manifest.json");
  try {
    execFileSync(process.execPath, [bin, source.dir], {
      cwd: source.dir,
      env: {
        ...process.env,
        FUNCTIONS_MANIFEST_OUTPUT_PATH: manifestFile,
        GCLOUD_PROJECT: project,
        FUNCTIONS_CONTROL_API: "true",
        FUNCTIONS_EMULATOR: "",
      },
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 60_000,
    });
    return readJson(manifestFile);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Exported functions whose definition reaches one of `roots` (the composition root that builds
 * the cloud providers): found in the entry module's syntax tree, following `export { x } from`.
 */
export function functionsReaching(entryFile: string, roots: readonly string[]): Set<string> {
  const found = new Set<string>();
  const mentionsRoot = (node: ts.Node): boolean =>
    (ts.isIdentifier(node) && roots.includes(node.text)) || ts.forEachChild(node, mentionsRoot) === true;
  const visit = (file: string, only?: Set<string>) => {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (
        ts.isVariableStatement(statement) &&
        statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      ) {
        for (const decl of statement.declarationList.declarations) {
          const name = decl.name.getText(source);
          if ((!only || only.has(name)) && decl.initializer && mentionsRoot(decl.initializer)) found.add(name);
        }
      } else if (
        ts.isExpressionStatement(statement) &&
        ts.isBinaryExpression(statement.expression) &&
        statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isPropertyAccessExpression(statement.expression.left) &&
        /^(module\.)?exports$/.test(statement.expression.left.expression.getText(source))
      ) {
        // CommonJS: exports.name = onX(...)
        const name = statement.expression.left.name.text;
        if ((!only || only.has(name)) && mentionsRoot(statement.expression.right)) found.add(name);
      } else if (
        ts.isExportDeclaration(statement) &&
        statement.moduleSpecifier &&
        statement.exportClause &&
        ts.isNamedExports(statement.exportClause)
      ) {
        const names = new Set(statement.exportClause.elements.map((e) => e.name.text));
        const spec = (statement.moduleSpecifier as ts.StringLiteral).text;
        const target = [".ts", ".js", "/index.ts", "/index.js"]
          .map((ext) => path.resolve(path.dirname(file), spec + ext))
          .find(existsSync);
        if (target) visit(target, names);
      }
    }
  };
  visit(entryFile);
  return found;
}

/** The functions' entry source: src/index.ts when the package is TypeScript, else its main. */
export function entrySource(source: FunctionsSource): string {
  const ts = path.join(source.dir, "src", "index.ts");
  return existsSync(ts) ? ts : path.join(source.dir, source.packageJson.main ?? "index.js");
}
