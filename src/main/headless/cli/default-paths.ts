import os from 'node:os'
import path from 'node:path'

/** The OS's per-user app-data folder for Cradle (the same place Electron's userData uses). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir()
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Cradle')
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Cradle')
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Cradle')
}

/** ~/Pictures/Cradle, where people look for photos. */
export function defaultLibraryDir(): string {
  return path.join(os.homedir(), 'Pictures', 'Cradle')
}
