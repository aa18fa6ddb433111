/**
 * A Destination whose answers a test scripts per call (fail with a code, hang until aborted,
 * succeed), recording every attempt. For the runner's policy tests; real servers cover the wire.
 */
import { CradleError, type ErrorCode, type ErrorContext } from '../../src/shared/errors.js'
import type { SpaceReport } from '../../src/shared/space-text.js'
import type { AssetRole, Destination, UploadContext, UploadItem, UploadResult } from '../../src/main/destinations/destination.js'
import { readAll } from '../../src/main/destinations/stream-utils.js'

export type Step = { fail: ErrorCode; context?: ErrorContext } | { hang: true } | { ok: true; deduped?: boolean } | { saveSession: unknown; fail: ErrorCode }

export interface Attempt {
  assetId: number
  at: number
  session: unknown
  groupRef: string | null
}

export class ScriptedDestination implements Destination {
  readonly kind = 'folder' as const
  readonly skipRoles: readonly AssetRole[]
  readonly attempts: Attempt[] = []
  readonly received = new Map<number, Buffer>()
  checkFails: ErrorCode | null = null
  checks = 0
  /** What space() answers (a code: it fails so), and when it was asked (the `now` of each call). */
  spaceAnswer: SpaceReport | ErrorCode = { measure: 'disk', freeBytes: 500e9, totalBytes: 2e12, usedBytes: 1.5e12, note: null }
  readonly spaceAsked: number[] = []
  private readonly script = new Map<number, Step[]>()

  constructor(readonly concurrency = 2, private readonly now: () => number = Date.now, skipRoles: readonly AssetRole[] = []) {
    this.skipRoles = skipRoles
  }

  /** Steps for an asset's next attempts; once used up, attempts succeed. */
  on(assetId: number, ...steps: Step[]): this {
    this.script.set(assetId, [...(this.script.get(assetId) ?? []), ...steps])
    return this
  }

  async check(): Promise<void> {
    this.checks++
    if (this.checkFails) throw new CradleError(this.checkFails, 'scripted check failure')
  }

  async space(): Promise<SpaceReport> {
    this.spaceAsked.push(this.now())
    if (typeof this.spaceAnswer === 'string') throw new CradleError(this.spaceAnswer, 'scripted space failure')
    return this.spaceAnswer
  }

  async upload(item: UploadItem, ctx: UploadContext): Promise<UploadResult> {
    this.attempts.push({ assetId: item.assetId, at: this.now(), session: ctx.session, groupRef: ctx.groupRef(item.role === 'original' ? 'motion' : 'original') })
    const step = this.script.get(item.assetId)?.shift() ?? { ok: true }
    if ('hang' in step) {
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }))
    }
    if ('saveSession' in step) ctx.saveSession(step.saveSession)
    if ('fail' in step) throw new CradleError(step.fail, 'scripted failure', { context: 'context' in step ? step.context : undefined })
    const bytes = await readAll(ctx.open(), ctx.signal)
    this.received.set(item.assetId, bytes)
    return { remoteRef: `ref-${item.assetId}`, deduped: 'ok' in step && step.deduped === true, verified: false }
  }

  count(assetId: number): number {
    return this.attempts.filter((a) => a.assetId === assetId).length
  }
}
