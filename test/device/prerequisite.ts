/**
 * The opt-in suites (a real iPhone, a real Electron) need what this machine may not have. A
 * missing prerequisite FAILS every test of the suite with the reason, so a run that tested nothing
 * never looks green. Only an explicit switch (`<skipVar>=1`) leaves a suite out, and then
 * vitest.device.config.ts does not collect its file at all and prints it as NOT RUN.
 */

/** Throws why the suite cannot run; the first beforeAll of the suite calls it. */
export function assertPrerequisite(suite: string, missing: string, skipVar: string): void {
  if (missing) throw new Error(`${suite} cannot run: ${missing}. Provide it, or set ${skipVar}=1 to leave this suite out on purpose.`)
}
