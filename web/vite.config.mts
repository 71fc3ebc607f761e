import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  // Relative asset paths: the same build is served by scripts/web.ts, by the tests and by Hosting.
  base: "./",
  build: {
    outDir: `${here}dist`,
    emptyOutDir: true,
    sourcemap: true,
    // The Firestore and Auth SDKs alone are ~600 kB minified; that is the page's floor.
    chunkSizeWarningLimit: 1024,
  },
  logLevel: "warn",
});
