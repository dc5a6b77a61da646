import { defineConfig } from "@playwright/test";

// Every spec runs twice: hydrated (JavaScript on) and as plain server-rendered HTML with
// forms (JavaScript off). The server is the debug build that `cargo leptos build` made,
// on a fresh SQLite database chosen by the Makefile.
const port = Number(process.env.E2E_PORT ?? 3100);
const targetDir = process.env.CARGO_TARGET_DIR ?? "target";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's chromium: Playwright cannot download its own browser on these machines.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    { name: "js", use: { javaScriptEnabled: true } },
    { name: "no-js", use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: `${targetDir}/debug/encore serve`,
    cwd: "..",
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? "sqlite://target/e2e/encore.db",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_RELOAD_PORT: String(port + 1),
      RUST_LOG: "warn",
      // Every test signs up from 127.0.0.1; the production limit is tested in Rust.
      ENCORE_AUTH_RATE_LIMIT: "100000/1s",
    },
  },
});
