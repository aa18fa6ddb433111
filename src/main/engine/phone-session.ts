/**
 * One attached phone, from attach to detach: open (pairing with Trust if needed) → device info
 * and battery → policy gates → scan and import → done, then wait for "Back up now". Detach at any
 * moment aborts cleanly (the library keeps partial files for resume); a library problem (disk
 * full, drive unplugged) stops the run and it resumes by itself once the problem is gone.
 */
import { CradleError, toCradleError } from '../../shared/errors.js'
import { toWireError, type Platform } from '../../shared/error-text.js'
import type { Settings } from '../../shared/settings.js'
import type { BatteryView, DeviceView, ImportProgress, PhotoLibraryView, SessionPhase, TrustState } from '../../shared/state.js'
import { photoLibraryView } from '../photos/library-view.js'
import type { Library } from '../library/library.js'
import { catalogError } from '../library/catalog-db.js'
import { volumeSpace } from '../library/library-fs.js'
import type { Logger } from '../logging/logger.js'
import { NO_COUNTS, partialCounts, runBackup, type BackupCounts } from './backup-run.js'
import type { DeviceCounts } from '../library/scan-plan.js'
import type { History } from './history.js'
import { importGate } from './import-policy.js'
import type { PhoneIdentity, PhoneLink, PhonePort, TrustStep } from './phone-port.js'
import type { Clock } from './ports.js'

export interface PhoneSessionDeps {
  udid: string
  connection: 'usb' | 'network'
  port: PhonePort
  library: () => Library
  history: History
  settings: () => Settings
  paused: () => boolean
  clock: Clock
  log: Logger
  platform: Platform
  enqueueUploads: (assetIds: number[]) => void
  onChange: () => void
  /** `backup --once`: never wait (gates, Trust), run one backup, then finish. */
  once?: boolean
}

export interface SessionResult {
  counts: BackupCounts | null
  error: CradleError | null
}

const CATALOG_PROBLEMS = new Set(['data-disk-full', 'catalog-busy'])
const LIBRARY_PROBLEMS = new Set(['disk-full', 'library-missing', 'library-permission', ...CATALOG_PROBLEMS])
/** While the library (or the catalog's disk) is unusable, it is checked again this often. */
export const RETRY_LIBRARY_MS = 5_000
const RETRY_DEVICE_MS = 15_000
/** While the phone is locked mid-backup, lockdown is asked this often whether it is unlocked. */
const UNLOCK_POLL_MS = 3_000
/** An idle or paused session re-reads the battery this often (a poke wakes it sooner). */
export const BATTERY_POLL_MS = 30_000
/** While a phone waits for power or battery, the gate is checked again this often (or at once on a settings change). */
export const POWER_CHECK_MS = 10_000
/** After a detach, the running import may write what already arrived for this long before it is aborted. */
const DETACH_GRACE_MS = 2_000
/**
 * Lost connections to a phone that is still attached: retry after 1 s, doubling up to 30 s. A TLS
 * handshake that dies on a mid-run reconnect (lockdown's idle close, a service's TLS) is one too:
 * the pair record is kept and the connection is tried again, never treated as revoked trust.
 */
const CONNECTION_LOST = new Set(['device-unplugged', 'device-timeout', 'device-handshake-failed', 'device-connection-lost'])
const RECONNECT_MS = 1_000
const RECONNECT_MAX_MS = 30_000
/** `backup --once` gives a dropping connection this many more tries before it reports the error. */
const ONCE_RECONNECTS = 3
/**
 * After a full disk, resume once this much is free again: a few photos' worth (200 MB), or a
 * tenth of a small volume, which may never have 200 MB free at all.
 */
const MIN_FREE_TO_RESUME = 200e6
const resumeThreshold = (totalBytes: number): number => Math.min(MIN_FREE_TO_RESUME, totalBytes / 10)

const TRUST_PHASE: Record<TrustStep, { phase: SessionPhase; trust: TrustState }> = {
  'waiting-unlock': { phase: 'needs-unlock', trust: 'locked' },
  'waiting-trust': { phase: 'needs-trust', trust: 'pending' },
  denied: { phase: 'trust-denied', trust: 'denied' },
  paired: { phase: 'connecting', trust: 'paired' },
}

export class PhoneSession {
  phase: SessionPhase = 'connecting'
  trust: TrustState = 'unknown'
  identity: PhoneIdentity | null = null
  battery: BatteryView | null = null
  progress: ImportProgress | null = null
  problem: CradleError | null = null
  counts: DeviceCounts | null = null
  /** What the phone's Photos library said at its last read (the catalog's report). */
  photoLibrary: PhotoLibraryView | null = null
  /** The phone's name learned before pairing (from an error's context), until identity is known. */
  private nameHint: string | null = null
  readonly done: Promise<SessionResult>

  private readonly life = new AbortController()
  private run: AbortController | null = null
  private wake: (() => void) | null = null
  private triggered: boolean
  /** The run about to start was asked for ("Back up now"), so finding nothing is worth saying. */
  private manual = false
  private nothingNew = false
  /** "Back up anyway" was confirmed: the import gate (power, battery) is not applied. */
  private anyway = false
  private lastCounts: BackupCounts | null = null
  private lastError: CradleError | null = null

  constructor(private readonly deps: PhoneSessionDeps) {
    this.triggered = deps.once === true
    this.done = this.main()
  }

  get udid(): string {
    return this.deps.udid
  }

  /**
   * "Back up now" for this phone: runs again even after a completed backup. `anyway`: the person
   * confirmed "Back up anyway?" — the charging and battery conditions are set aside until this
   * connection's backup has finished.
   */
  trigger(anyway = false): boolean {
    if (this.phase === 'trust-denied') return false
    if (anyway) this.anyway = true
    this.triggered = true
    this.manual = true
    this.poke()
    return true
  }

  /** Settings or pause changed: re-evaluate gates; pausing aborts the running import (kept for resume). */
  poke(): void {
    if (this.deps.paused() && this.run) this.run.abort(new CradleError('aborted', 'paused'))
    const wake = this.wake
    this.wake = null
    wake?.()
  }

  /**
   * The phone went away (usbmuxd's Detached), or Cradle is quitting (`stopping`): abort and wait
   * until everything is closed. History says which: quitting is not an unplug.
   */
  async detach(stopping = false): Promise<SessionResult> {
    this.life.abort(stopping ? new CradleError('aborted', 'Cradle is stopping', { context: { quit: true } }) : new CradleError('device-unplugged', 'the phone was detached'))
    this.poke()
    return this.done
  }

  view(lastBackupAt: number | null): DeviceView {
    const id = this.identity
    return {
      udid: this.deps.udid,
      name: id?.name ?? this.nameHint ?? 'iPhone',
      model: id?.model || id?.productType || 'iPhone',
      productType: id?.productType ?? '',
      iosVersion: id?.iosVersion ?? '',
      connected: true,
      connection: this.deps.connection,
      battery: this.battery,
      trust: this.trust,
      phase: this.phase,
      itemsOnPhone: this.counts?.itemsOnPhone ?? null,
      itemsSafe: this.counts?.itemsSafe ?? null,
      itemsNotOnPhone: this.counts?.itemsNotOnPhone ?? 0,
      itemsUnreadable: this.counts?.itemsUnreadable ?? 0,
      itemsInRecentlyDeleted: this.counts?.itemsInRecentlyDeleted ?? 0,
      itemsInICloudOnly: this.counts?.itemsInICloudOnly ?? 0,
      photos: this.counts?.photos ?? null,
      photoLibrary: this.photoLibrary,
      lastBackupAt,
      nothingNew: this.nothingNew,
      progress: this.progress,
      problem: this.problem ? toWireError(this.problem.code, { ...this.problem.context, deviceName: id?.name }, this.deps.platform) : null,
    }
  }

  private set(patch: Partial<Pick<PhoneSession, 'phase' | 'trust' | 'problem' | 'progress' | 'battery'>>): void {
    Object.assign(this, patch)
    this.deps.onChange()
  }

  /** Waits on the engine's clock (monotonic, and a test's to control); poke() or the end of the session cuts it short. */
  private sleep(ms: number): Promise<void> {
    const life = this.life.signal
    if (life.aborted) return Promise.resolve()
    const woken = new AbortController()
    const wake = (): void => woken.abort()
    life.addEventListener('abort', wake, { once: true })
    this.wake = wake
    return this.deps.clock.sleep(ms, woken.signal).then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      life.removeEventListener('abort', wake)
      if (this.wake === wake) this.wake = null
    })
  }

  private async main(): Promise<SessionResult> {
    const signal = this.life.signal
    if (this.deps.connection === 'network') {
      // design.md: Wi-Fi phones are shown, never backed up (Pair is refused over the network anyway).
      this.set({ phase: 'error', problem: new CradleError('pairing-over-network', 'connected over Wi-Fi only') })
      await this.waitUntilDetached()
      return { counts: null, error: this.problem }
    }
    let link: PhoneLink | null = null
    try {
      for (let drops = 0; ; drops++) {
        link = await this.openLink()
        if (!link) return { counts: null, error: this.lastError }
        const since = this.deps.clock.monotonic()
        try {
          await this.serve(link)
          break
        } catch (error) {
          // The connection died but usbmuxd still lists the phone (a flaky cable or port, afcd
          // restarting): reconnect and resume, rather than sit in "error" until a replug. A real
          // unplug also lands here first; its Detached event then aborts the wait below.
          const e = toCradleError(error)
          if (signal.aborted || !CONNECTION_LOST.has(e.code) || (this.deps.once && drops >= ONCE_RECONNECTS)) throw e
          if (this.deps.clock.monotonic() - since > RECONNECT_MAX_MS) drops = 0
          this.deps.log.info('connection lost while attached; reconnecting', { udid: this.deps.udid, code: e.code, drops })
          await link.close().catch(() => undefined)
          link = null
          await this.sleep(Math.min(RECONNECT_MAX_MS, RECONNECT_MS * 2 ** drops))
          if (signal.aborted) break
          this.triggered = true
        }
      }
    } catch (error) {
      if (!signal.aborted) this.deps.log.warn('session ended', { udid: this.deps.udid, error })
      this.lastError ??= toCradleError(error)
    } finally {
      this.run = null
      await link?.close().catch(() => undefined)
    }
    return { counts: this.lastCounts, error: this.lastError }
  }

  /** Opens the phone, walking the user through Trust; retries until paired or detached. */
  private async openLink(): Promise<PhoneLink | null> {
    const signal = this.life.signal
    while (!signal.aborted) {
      this.set({ phase: 'connecting', problem: null })
      try {
        const link = await this.deps.port.open(this.deps.udid, {
          signal,
          pair: this.deps.once !== true,
          // 'denied' carries its problem from the first snapshot on (the card explains what to do).
          onTrust: (step) => this.set({ ...TRUST_PHASE[step], problem: step === 'denied' ? new CradleError('pairing-denied', 'the user tapped Don\'t Trust') : null }),
        })
        this.identity = link.identity
        this.set({ trust: 'paired' })
        return link
      } catch (error) {
        const e = toCradleError(error)
        if (signal.aborted) return null
        // An unpaired phone still tells its name: show "Anna's iPhone", not "iPhone", while it waits.
        if (typeof e.context.deviceName === 'string' && this.nameHint === null) this.nameHint = e.context.deviceName
        this.lastError = e
        if (e.code === 'pairing-denied') {
          this.set({ phase: 'trust-denied', trust: 'denied', problem: e })
          if (!this.deps.once) await this.waitUntilDetached()
          return null
        }
        const phase: SessionPhase = e.code === 'device-locked' ? 'needs-unlock' : e.code === 'pairing-pending' ? 'needs-trust' : 'error'
        this.set({ phase, trust: e.code === 'pairing-pending' ? 'pending' : e.code === 'device-locked' ? 'locked' : 'failed', problem: e })
        if (this.deps.once || e.code === 'device-unplugged') return null
        await this.sleep(RETRY_DEVICE_MS)
      }
    }
    return null
  }

  private async serve(link: PhoneLink): Promise<void> {
    const signal = this.life.signal
    const library = this.deps.library()
    let connection = 0
    // The first catalog write of a connection: a full data disk or a held catalog waits here, as
    // a run would, instead of ending the session until the next replug.
    while (!signal.aborted) {
      try {
        // Counted before the connection's first write: the catalog's counts of a phone read all its
        // rows, and the answer the card already showed stays valid only until something is written.
        const counts = library.deviceCounts(this.deps.udid)
        connection = library.beginConnection({ udid: this.deps.udid, name: link.identity.name, productType: link.identity.productType, iosVersion: link.identity.iosVersion })
        this.counts = counts
        this.photoLibrary = photoLibraryView(library.db, this.deps.udid)
        break
      } catch (error) {
        const e = toCradleError(catalogError(error, library.db.name))
        if (!CATALOG_PROBLEMS.has(e.code) || this.deps.once) throw e
        this.deps.log.warn('catalog cannot take the connection yet', { udid: this.deps.udid, code: e.code })
        this.set({ phase: 'error', problem: e })
        await this.waitForLibrary()
        this.set({ phase: 'connecting', problem: null })
      }
    }
    if (signal.aborted) return
    let lastBatteryAt = -Infinity // monotonic: a wall clock set back must not stop the polls
    while (!signal.aborted) {
      const settings = this.deps.settings()
      if (this.deps.clock.monotonic() - lastBatteryAt >= BATTERY_POLL_MS || this.phase === 'waiting-power' || this.phase === 'waiting-battery') {
        this.set({ battery: await link.battery(signal).catch(() => this.battery) })
        lastBatteryAt = this.deps.clock.monotonic()
      }
      const wants = this.triggered || (settings.autoRunOnConnect && this.lastCounts === null && this.lastError === null)
      if (!wants) {
        if (this.deps.once) return
        this.set({ phase: this.lastCounts ? 'done' : this.lastError ? this.phase : 'ready' })
        await this.sleep(BATTERY_POLL_MS)
        continue
      }
      if (this.deps.paused()) {
        if (this.deps.once) return
        this.set({ phase: 'paused' })
        await this.sleep(BATTERY_POLL_MS)
        continue
      }
      const gate = this.anyway ? { allowed: true as const } : importGate(settings, this.battery)
      if (!gate.allowed) {
        this.set({ phase: gate.phase, problem: null })
        if (this.deps.once) {
          // --once cannot wait for the gate: say which one held the phone back (not a generic "busy").
          const code = gate.phase === 'waiting-power' ? 'phone-not-charging' : 'phone-battery-low'
          this.lastError = new CradleError(code, gate.reason, { context: { level: this.battery?.level, minBatteryPercent: settings.minBatteryPercent ?? undefined } })
          return
        }
        await this.sleep(POWER_CHECK_MS)
        continue
      }
      this.triggered = false
      await this.backup(link, connection)
      if (this.phase === 'done') this.anyway = false
      if (this.deps.once) return
    }
  }

  private async backup(link: PhoneLink, connection: number): Promise<void> {
    const run = new AbortController()
    this.run = run
    // Unplugged (or quitting): the phone's connections end by themselves, and the replies that
    // already arrived are still written to staging (kept for resume) if the downloads get a moment
    // before the abort. Aborting at once threw away up to a read window per file (bench/unplug test).
    let graceTimer: NodeJS.Timeout | undefined
    const onLifeAbort = (): void => {
      graceTimer = setTimeout(() => run.abort(this.life.signal.reason), DETACH_GRACE_MS)
    }
    this.life.signal.addEventListener('abort', onLifeAbort, { once: true })
    const library = this.deps.library()
    // Monotonic: a run's duration and the power-check interval must not follow a wall clock that is set back.
    const started = this.deps.clock.monotonic()
    const manual = this.manual
    this.manual = false
    this.nothingNew = false
    this.set({ phase: 'scanning', problem: null, progress: null })
    let files = null
    let lastPowerCheck = started
    try {
      files = await link.openFiles(run.signal)
      const counts = await runBackup(
        {
          udid: this.deps.udid,
          connection,
          files,
          library,
          now: () => this.deps.clock.now(),
          log: this.deps.log,
          onAssets: (ids) => this.deps.enqueueUploads(ids),
          onProgress: (progress) => {
            if (this.phase !== 'importing') this.phase = 'importing'
            this.set({ progress })
          },
          onScanned: (counts) => {
            this.counts = counts
            this.photoLibrary = photoLibraryView(library.db, this.deps.udid)
            this.deps.onChange()
          },
          isLocked: (signal) => link.locked(signal),
          importRecentlyDeleted: this.deps.settings().importRecentlyDeleted,
          checkpoint: async () => {
            if (this.deps.clock.monotonic() - lastPowerCheck < POWER_CHECK_MS) return
            lastPowerCheck = this.deps.clock.monotonic()
            this.set({ battery: await link.battery(run.signal).catch(() => this.battery) })
            const gate = importGate(this.deps.settings(), this.battery)
            if (!gate.allowed) throw new CradleError('aborted', gate.reason)
          },
        },
        run.signal,
      )
      this.lastCounts = counts
      this.lastError = null
      library.recordBackupSuccess(this.deps.udid, this.deps.clock.now())
      this.record(started, counts, null)
      this.nothingNew = manual && counts.imported === 0
      this.set({ phase: 'done', progress: null, problem: null })
    } catch (error) {
      // A catalog write outside an import (scan, counts) failing for space or a held lock says so too.
      const e = toCradleError(catalogError(error, library.db.name))
      const partial = partialCounts(e)
      if (this.life.signal.aborted) {
        // Unplugged (or quitting): say so in history if anything happened; the next attach resumes.
        if (partial && (partial.imported > 0 || partial.bytes > 0)) this.record(started, partial, this.endReason())
        throw e
      }
      if (CONNECTION_LOST.has(e.code)) {
        // Unplugged, or only the connection lost? usbmuxd drops the device from its list (and
        // sends Detached) before it closes the device's connections, so a phone it still lists
        // was not unplugged: a reset, EOF or timeout on a cable that is still in.
        const listed = await this.stillListed()
        const reason = this.life.signal.aborted ? this.endReason() : listed ? connectionLost(e) : new CradleError('device-unplugged', e.message, { cause: e })
        this.lastError = reason
        this.lastCounts = partial
        this.record(started, partial, reason)
        // Unplugged: the phase stays as it was until the Detached event ends the session (the card
        // then keeps where the bars stopped). Still attached: main() reconnects and resumes.
        if (reason.code === 'device-connection-lost') this.set({ phase: 'error', progress: null, problem: reason })
        throw reason
      }
      if (e.code === 'aborted') {
        // Paused, or the policy gate closed mid-run: partial files stay staged for resume. While
        // paused the bars stay where they stopped, so the user sees how far it got.
        this.set({ progress: this.deps.paused() && this.progress ? { ...this.progress, bytesPerSecond: 0, secondsLeft: null } : null })
        return
      }
      // A listing the phone refused may be its lock (data protection): lockdown knows, AFC does not.
      const locked = e.code === 'device-locked' || (e.code === 'file-unreadable' && (await link.locked(this.life.signal).catch(() => false)))
      const stopped = locked && e.code !== 'device-locked' ? new CradleError('device-locked', `the iPhone is locked (${e.message})`, { cause: e }) : e
      this.deps.log.warn('backup stopped', { udid: this.deps.udid, code: stopped.code, error })
      this.lastError = stopped
      this.lastCounts = partial
      this.record(started, partial, stopped)
      if (locked) {
        // Needs unlock: the files it refused meanwhile are back in the queue; go on once unlocked.
        this.set({ phase: 'needs-unlock', progress: null, problem: stopped })
        if (this.deps.once) return
        await this.waitForUnlock(link)
        this.triggered = true
        return
      }
      this.set({ phase: 'error', progress: null, problem: e })
      // A dead connection: main() reconnects while the phone stays attached (also for --once).
      if (CONNECTION_LOST.has(e.code)) throw e
      if (this.deps.once) return
      if (LIBRARY_PROBLEMS.has(e.code)) await this.waitForLibrary()
      else await this.sleep(RETRY_DEVICE_MS)
      this.triggered = true
    } finally {
      clearTimeout(graceTimer)
      this.life.signal.removeEventListener('abort', onLifeAbort)
      this.run = null
      await files?.close().catch(() => undefined)
    }
  }

  /** Polls until the library folder is usable again (drive back, space freed). */
  private async waitForLibrary(): Promise<void> {
    while (!this.life.signal.aborted) {
      await this.sleep(RETRY_LIBRARY_MS)
      try {
        const library = this.deps.library()
        const code = this.problem?.code
        if (code === 'data-disk-full' || code === 'catalog-busy') {
          if (await library.catalogReady()) return
          continue
        }
        library.prepare()
        if (code === 'disk-full') {
          const space = await volumeSpace(library.root)
          if (space && space.freeBytes < resumeThreshold(space.totalBytes)) continue
        }
        return
      } catch (error) {
        const e = toCradleError(error)
        if (e.code !== this.problem?.code) this.set({ problem: e })
      }
    }
  }

  /** Asks lockdown until the phone is unlocked (or gone: a lost connection goes to main()'s reconnect). */
  private async waitForUnlock(link: PhoneLink): Promise<void> {
    while (!this.life.signal.aborted) {
      await this.sleep(UNLOCK_POLL_MS)
      if (this.life.signal.aborted) return
      if (!(await link.locked(this.life.signal))) {
        this.deps.log.info('unlocked; the backup goes on', { udid: this.deps.udid })
        this.set({ phase: 'scanning', problem: null })
        return
      }
    }
  }

  /** Why the session ended, for History: unplugged (Detached) or Cradle quitting (detach(true)). */
  private endReason(): CradleError {
    const why = toCradleError(this.life.signal.reason)
    return new CradleError(why.code, why.message, { context: why.context })
  }

  /** Whether usbmuxd still lists this phone (false when it cannot be asked). */
  private async stillListed(): Promise<boolean> {
    try {
      return (await this.deps.port.list(this.life.signal)).some((d) => d.udid === this.deps.udid)
    } catch {
      return false
    }
  }

  private async waitUntilDetached(): Promise<void> {
    while (!this.life.signal.aborted) await this.sleep(60_000)
  }

  private record(startedMono: number, counts: BackupCounts | null, error: CradleError | null): void {
    const c = counts ?? NO_COUNTS
    try {
      this.deps.history.add({
        at: this.deps.clock.now(),
        kind: 'import',
        sourceName: this.identity?.name ?? this.deps.udid,
        udid: this.deps.udid,
        ...c,
        durationMs: this.deps.clock.monotonic() - startedMono,
        error: error ? { code: error.code, context: error.context } : null,
      })
    } catch (e) {
      this.deps.log.warn('could not record history', { error: e })
    }
  }
}

/** A dead connection to a phone that stayed attached, keeping what the device layer said. */
function connectionLost(e: CradleError): CradleError {
  if (e.code === 'device-connection-lost') return e
  return new CradleError('device-connection-lost', `${e.code}: ${e.message}`, { cause: e, context: e.context })
}
