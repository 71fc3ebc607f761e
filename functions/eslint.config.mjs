import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
);
