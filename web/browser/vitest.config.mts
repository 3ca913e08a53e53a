import { defineConfig } from "vitest/config";

// Browser tests: Playwright (playwright-core) drives Debian's chromium against the running web UI,
// gateway, services and dependencies. One file at a time: they share one machine of 2 cores.
export default defineConfig({
  test: {
    environment: "node",
    include: ["browser/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    reporters: ["verbose"],
  },
});
