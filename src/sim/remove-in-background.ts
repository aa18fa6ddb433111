/**
 * Removes a folder from a detached child process. A generated 50,000-item phone is ~600 MB of
 * just-written files in tens of thousands of entries; deleting it took up to a minute on a busy
 * machine, and `cradle sim`/`cradle demo` waited for it before exiting on SIGTERM (issue 19).
 */
import { spawn } from 'node:child_process'

const SCRIPT = "require('node:fs').rmSync(process.argv[1], { recursive: true, force: true })"

/**
 * For the plain-Node CLI only (`cradle sim`, `cradle demo`): process.execPath must be node. In the
 * desktop app it is Electron, whose fuses refuse ELECTRON_RUN_AS_NODE, so this would start the app.
 */
export function removeInBackground(dir: string): void {
  if (process.versions.electron) throw new Error('removeInBackground runs under plain Node only')
  const child = spawn(process.execPath, ['-e', SCRIPT, dir], { detached: true, stdio: 'ignore', windowsHide: true })
  child.on('error', () => undefined) // a folder left in the temp folder is not worth failing a stop over
  child.unref()
}
