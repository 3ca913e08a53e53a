import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Component and unit tests: plain values in, rendered DOM out (jsdom), no server needed.
export default defineConfig({
  esbuild: { jsx: "automatic" },
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["./vitest.setup.ts"],
  },
});
