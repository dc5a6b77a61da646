import { defineConfig } from "@playwright/test";

// Every spec runs twice: hydrated (JavaScript on) and as plain server-rendered HTML with
// forms (JavaScript off). The server is the debug build that `cargo leptos build` made,
// on a fresh SQLite database chosen by the Makefile.
const port = Number(process.env.E2E_PORT ?? 3100);
const targetDir = process.env.CARGO_TARGET_DIR ?? "target";
// The W3C Nu HTML Checker (npm vnu-jar, run with the machine's Java): one server for the
// run, which tests/audit.ts posts each page to. Set here, so the workers inherit it.
const nuPort = port + 2;
process.env.NU_CHECKER_URL = `http://127.0.0.1:${nuPort}/`;

export default defineConfig({
  testDir: "./tests",
  // Every test ends with an audit (axe and the Nu HTML Checker: tests/fixtures.ts).
  timeout: 60_000,
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
  webServer: [
    {
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
        // No SMTP server: campaign mail is saved here, where campaigns.spec.ts reads it.
        ENCORE_OUTBOX_DIR: "target/e2e/outbox",
      },
    },
    // The Nu HTML Checker (see nuPort).
    {
      command: `java -Xss4m -Dnu.validator.servlet.bind-address=127.0.0.1 -cp node_modules/vnu-jar/build/dist/vnu.jar nu.validator.servlet.Main ${nuPort}`,
      url: `http://127.0.0.1:${nuPort}/`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
