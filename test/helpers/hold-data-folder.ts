/**
 * A second process for the data-folder lock tests (fcntl locks are per process, so one process
 * cannot prove they exclude another): `node --import tsx hold-data-folder.ts DIR COMMAND` tries
 * the lock and prints one JSON line, {"locked":true} or {"locked":false,"heldBy":…}; when it got
 * the lock it keeps it until stdin closes or it is killed.
 */
import { tryLockDataFolder } from '../../src/main/data-folder/data-folder-lock.js'

const [dir, command] = process.argv.slice(2)
const attempt = tryLockDataFolder(dir!, command ?? 'test holder')
if (attempt.lock) {
  process.stdout.write(`${JSON.stringify({ locked: true, pid: process.pid })}\n`)
  process.stdin.resume()
  process.stdin.on('end', () => {
    attempt.lock.release()
    process.exit(0)
  })
} else {
  process.stdout.write(`${JSON.stringify({ locked: false, heldBy: attempt.heldBy })}\n`)
}
