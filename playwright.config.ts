/**
 * End-to-end: Debian's Chromium (Playwright's own download does not work here) driving the window
 * served by the headless server. Two projects, both run by `npm test`:
 *   demo     — test/e2e/demo: against `cradle demo` (virtual iPhone + real engine + real server):
 *              backup, Trust, unplug and resume, failing destinations, axe, the screenshots.
 *   scripted — test/e2e/scripted: against the scripted engine, for states the demo cannot make
 *              cheaply (a 50,000-row queue, the Google sign-in popup, form flows, the token flow).
 * What each target is: test/e2e/fixtures/app.ts. One worker: the machine is small and shared, and
 * each spec starts its own Cradle.
 */
import { defineConfig } from '@playwright/test'
import type { Target } from './test/e2e/fixtures/cradle.js'

export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export default defineConfig<object, { target: Target }>({
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
  projects: [
    { name: 'demo', testDir: 'test/e2e/demo', use: { target: 'demo' } },
    { name: 'scripted', testDir: 'test/e2e/scripted', use: { target: 'scripted' } },
  ],
})
