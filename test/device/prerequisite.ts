/**
 * The opt-in suites (a real iPhone, a real Electron) need what this machine may not have. A
 * missing prerequisite FAILS the suite with the reason, so a run that tested nothing never looks
 * green; only an explicit switch (`<skipVar>=1`) turns that into a skip, printed as NOT RUN.
 */
import { it } from 'vitest'

/** True when the suite may run; otherwise registers the failure (or the announced skip). */
export function prerequisiteMet(suite: string, missing: string, skipVar: string): boolean {
  if (!missing) return true
  if (process.env[skipVar] === '1') {
    console.warn(`[${suite}] NOT RUN (${skipVar}=1): ${missing}`)
    it.skip(`${suite}: not run (${skipVar}=1): ${missing}`, () => undefined)
    return false
  }
  it(`${suite}: prerequisite`, () => {
    throw new Error(`${suite} cannot run: ${missing}. Provide it, or set ${skipVar}=1 to skip this suite on purpose.`)
  })
  return false
}
