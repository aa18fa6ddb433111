/**
 * Removes a folder from a detached child process. A generated 50,000-item phone is ~600 MB of
 * just-written files in tens of thousands of entries; deleting it took up to a minute on a busy
 * machine, and `cradle sim`/`cradle demo` waited for it before exiting on SIGTERM (issue 19).
 */
import { spawn } from 'node:child_process'

const SCRIPT = "require('node:fs').rmSync(process.argv[1], { recursive: true, force: true })"

export function removeInBackground(dir: string): void {
  // process.execPath is node, or Electron's binary: ELECTRON_RUN_AS_NODE makes the latter act as node.
  const child = spawn(process.execPath, ['-e', SCRIPT, dir], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    windowsHide: true,
  })
  child.on('error', () => undefined) // a folder left in the temp folder is not worth failing a stop over
  child.unref()
}
