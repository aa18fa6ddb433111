import { defineConfig } from 'vitest/config'

// The opt-in real-iPhone suite (test/device): `CRADLE_DEVICE_TESTS=1 npm run test:device`.
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
