import { defineConfig } from 'vitest/config'

// Integration tests start real servers and daemons; they run one file at a time per worker
// and get generous timeouts, because a busy two-core CI machine is slow, not broken.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.{ts,tsx}', 'test/integration/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
})
