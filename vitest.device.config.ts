import { defineConfig } from 'vitest/config'

// The opt-in real-iPhone suite (test/device): `npm run test:device` (a missing phone or Electron fails the suite unless CRADLE_SKIP_REAL_IPHONE=1 / CRADLE_SKIP_ELECTRON_SMOKE=1).
// Kept out of the default include so `npm test` never talks to a phone.
export default defineConfig({
  test: {
    include: ['test/device/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
  },
})
