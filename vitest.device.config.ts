import { defineConfig } from 'vitest/config'

// The opt-in device suites (test/device): `npm run test:device`. Kept out of the default include so
// `npm test` never talks to a phone. A suite whose phone or Electron is missing FAILS; only its
// explicit switch leaves it out, announced here as NOT RUN.
const SWITCHES: [variable: string, file: string][] = [
  ['CRADLE_SKIP_REAL_IPHONE', 'test/device/real-iphone.test.ts'],
  ['CRADLE_SKIP_ELECTRON_SMOKE', 'test/device/electron-smoke.test.ts'],
]
const leftOut = SWITCHES.filter(([variable]) => process.env[variable] === '1')
for (const [variable, file] of leftOut) console.warn(`[device] NOT RUN (${variable}=1): ${file}`)

export default defineConfig({
  test: {
    include: ['test/device/**/*.test.ts'],
    exclude: leftOut.map(([, file]) => file),
    // Both left out on purpose: nothing to run is then the asked-for outcome, not a failure.
    passWithNoTests: leftOut.length === SWITCHES.length,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
  },
})
