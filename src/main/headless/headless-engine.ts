/**
 * The engine as the headless entry points run it (`serve`, `backup --once`): plain-Node ports
 * (sysfs power, no desktop to open folders in), the headless secret store, and notices that go
 * to the log and to the URL / e-mail the settings name, by the tray's rules.
 */
import type { Engine } from '../engine/engine.js'
import type { EngineDeps } from '../engine/engine-handle.js'
import type { Notifier, SecretStore } from '../engine/ports.js'
import { startEngine, type StartOptions } from '../engine/start.js'
import { createLogger } from '../logging/logger.js'
import { createNotificationGate } from '../notifications/notification-gate.js'
import { noticeChannels, type ChannelOptions } from '../notifications/notice-channels.js'
import { deliveringNotifier } from '../notifications/notice-delivery.js'
import { gatedNotifier, watchNotices } from '../notifications/notice-watcher.js'
import type { CliContext } from './cli/command.js'
import { currentPlatform } from './cli/platform.js'
import { headlessOpener } from './ports/headless-opener.js'
import { nodePowerSource } from './ports/node-power-source.js'

export function headlessDeps(ctx: CliContext, secrets: SecretStore, notifier: Notifier): EngineDeps {
  const log = createLogger('headless')
  return {
    dataDir: ctx.dataDir,
    ...(ctx.dataFolderLock ? { dataFolderLock: ctx.dataFolderLock } : {}),
    // Without --library the stored setting (or ~/Pictures/Cradle on a first run) decides.
    ...(ctx.libraryDirExplicit ? { libraryDir: ctx.libraryDir } : {}),
    ...(ctx.env.USBMUXD_SOCKET_ADDRESS ? { muxAddress: ctx.env.USBMUXD_SOCKET_ADDRESS } : {}),
    platform: currentPlatform(),
    power: nodePowerSource(),
    notifier,
    secrets,
    opener: headlessOpener(log),
  }
}

export interface HeadlessNoticeOptions extends ChannelOptions {
  /** Pauses between delivery attempts (tests shorten them). */
  retryDelaysMs?: number[]
}

export async function startHeadlessEngine(ctx: CliContext, secrets: SecretStore, options: StartOptions = {}, notices: HeadlessNoticeOptions = {}): Promise<Engine> {
  const platform = currentPlatform()
  let engine: Engine | null = null
  const delivery = deliveringNotifier({
    log: createLogger('headless/notify'),
    // The settings of the moment: a URL or address changed in the window applies to the next notice.
    channels: () => (engine ? noticeChannels(engine.current().settings, secrets, notices) : []),
    ...(notices.retryDelaysMs ? { retryDelaysMs: notices.retryDelaysMs } : {}),
  })
  const gate = createNotificationGate()
  engine = await startEngine(headlessDeps(ctx, secrets, gatedNotifier(gate, delivery)), options).catch(async (error: unknown) => {
    await delivery.close()
    throw error
  })
  const stopWatching = watchNotices(engine, delivery, { platform, gate })
  // Stopping also ends the notices: the last state is looked at once more (a `backup --once`
  // that just finished), pending retries are cancelled and attempts under way are waited for.
  engine.onShutdown({ before: stopWatching, after: () => delivery.close() })
  return engine
}
