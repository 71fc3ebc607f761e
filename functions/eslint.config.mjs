import { readFileSync } from "node:fs";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const { layers } = JSON.parse(readFileSync(new URL("./layers.json", import.meta.url), "utf8"));

/** Every member of functions/layers.json in order, bottom first, with the layer it belongs to. */
const members = layers.flatMap((layer) => layer.members.map((member) => ({ member, layer: layer.name })));
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const moduleName = (member) => member.replace(/\.ts$/, "");

/**
 * One block per member and folder depth: a relative import that names a member listed after this one
 * (the way a file at that depth must spell it) is an upward import, refused with the layers it crosses.
 */
function layerRules() {
  return members.flatMap(({ member, layer }, rank) => {
    const above = members.slice(rank + 1);
    if (above.length === 0) return [];
    const isFile = member.endsWith(".ts");
    const depths = isFile ? [0] : [1, 2, 3];
    return depths.map((depth) => {
      const up = depth === 0 ? "\\./" : "(\\.\\./){" + depth + "}";
      const files = isFile ? [`src/${member}`] : [`src/${member}/${"*/".repeat(depth - 1)}*.ts`];
      return {
        files,
        rules: {
          "no-restricted-imports": [
            "error",
            {
              patterns: above.map((target) => ({
                regex: `^${up}${escape(moduleName(target.member))}(/.*)?$`,
                message:
                  `layers: ${moduleName(member)} (layer ${layer}) may not import ${moduleName(target.member)} ` +
                  `(layer ${target.layer}), which sits above it in functions/layers.json. Move what both need ` +
                  "down, or pass it in from above.",
              })),
            },
          ],
        },
      };
    });
  });
}

export default tseslint.config(
  // Fixture projects stand for other people's functions code (plain CommonJS), not ours.
  { ignores: ["test/fixtures/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  ...layerRules(),
);
