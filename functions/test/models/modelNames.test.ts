import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const SRC = join(__dirname, "../../src");
const CONFIG_FILE = "models/modelConfig.ts";

/** Model ids of the providers we use or might (a method label like "veo-3.1" is not an id). */
const MODEL_ID =
  /\b(gemini-\d[\w.-]*|gpt-\d[\w.-]*|o\d-(mini|pro)[\w.-]*|veo-\d[\w.]*-[\w.-]+|imagen-\d[\w.-]*|tts-1[\w-]*|whisper-1|dall-e-\d)\b/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every string and template literal of a file: where a model name would select a model (comments do not). */
function literalsOf(file: string): string {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const literals: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) literals.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return literals.join("\n");
}

function modelIdsByFile(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const ids = literalsOf(file).match(MODEL_ID);
    if (ids) found.set(relative(SRC, file).split("\\").join("/"), [...new Set(ids)]);
  }
  return found;
}

describe("model names", () => {
  it("appear in functions/src only in the model configuration", () => {
    const found = modelIdsByFile();
    expect([...found.keys()]).toEqual([CONFIG_FILE]);
    // The pattern does find the configured ids, so an empty result elsewhere means something.
    expect(found.get(CONFIG_FILE)).toEqual(
      expect.arrayContaining([
        "gemini-3.8-flash",
        "gpt-6-luna",
        "gpt-3.5-turbo",
        "gemini-3.8-flash-tts",
        "veo-3.1-generate-001",
      ]),
    );
  });
});
