/**
 * End-to-end: Debian's Chromium (Playwright's own download does not work here) driving the window
 * served by the headless server. Which Cradle is under test is decided in test/e2e/fixtures/app.ts.
 * One worker: the machine is small and shared, and each spec starts its own server.
 */
import { defineConfig } from '@playwright/test'

export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/e2e/global-setup.ts',
  outputDir: 'test-results/e2e',
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.CRADLE_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1100, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
})
