/**
 * The engine as the headless entry points run it (`serve`, `backup --once`): plain-Node ports
 * (sysfs power, log notifier, no desktop to open folders in) and the headless secret store.
 */
import type { EngineDeps } from '../engine/engine-handle.js'
import type { SecretStore } from '../engine/ports.js'
import { startEngine, type StartOptions } from '../engine/start.js'
import { createLogger } from '../logging/logger.js'
import type { CliContext } from './cli/command.js'
import { currentPlatform } from './cli/platform.js'
import { headlessOpener, logNotifier } from './ports/headless-opener.js'
import { nodePowerSource } from './ports/node-power-source.js'

export function headlessDeps(ctx: CliContext, secrets: SecretStore): EngineDeps {
  const log = createLogger('headless')
  return {
    dataDir: ctx.dataDir,
    ...(ctx.dataFolderLock ? { dataFolderLock: ctx.dataFolderLock } : {}),
    // Without --library the stored setting (or ~/Pictures/Cradle on a first run) decides.
    ...(ctx.libraryDirExplicit ? { libraryDir: ctx.libraryDir } : {}),
    ...(ctx.env.USBMUXD_SOCKET_ADDRESS ? { muxAddress: ctx.env.USBMUXD_SOCKET_ADDRESS } : {}),
    platform: currentPlatform(),
    power: nodePowerSource(),
    notifier: logNotifier(log),
    secrets,
    opener: headlessOpener(log),
  }
}

export function startHeadlessEngine(ctx: CliContext, secrets: SecretStore, options: StartOptions = {}) {
  return startEngine(headlessDeps(ctx, secrets), options)
}
