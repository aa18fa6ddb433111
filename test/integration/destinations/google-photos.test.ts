/**
 * Google Photos against the fake Google server (nothing here can run Google Photos): desktop
 * sign-in (PKCE + loopback), raw and resumable byte uploads, serial batchCreate of ≤ 50,
 * per-item failures, access-token renewal, invalid_grant → "sign in again", the daily budget.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { secretKeys } from '../../../src/main/destinations/destination-store.js'
import { describeError } from '../../../src/shared/error-text.js'
import type { CradleError } from '../../../src/shared/errors.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { systemClock, type Clock } from '../../../src/main/engine/ports.js'
import { startFaultProxy, type FaultProxy } from '../../fakes/fault-proxy.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_PROJECT_NUMBER, startFakeGoogle, type FakeGoogle, type FakeGoogleOptions } from '../../fakes/fake-google-photos-server.js'
import { makeTestLibrary, memorySecrets, type TestLibrary } from '../../fakes/test-library.js'

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** What the system browser does: follow Google's redirect back to the loopback address. */
async function browse(url: string): Promise<string> {
  const consent = await fetch(url, { redirect: 'manual' })
  const back = consent.headers.get('location')
  if (!back) throw new Error(`no redirect: ${consent.status} ${await consent.text()}`)
  return (await fetch(back)).text()
}

describe('Google Photos (fake server)', () => {
  let google: FakeGoogle
  let proxy: FaultProxy
  let lib: TestLibrary
  let manager: UploadManager
  let secrets: ReturnType<typeof memorySecrets>
  /** Both sides read this clock, so a test can move a week ahead (the fake's token ages, Cradle's sign-in age). */
  let skew = 0
  const clock: Clock = { ...systemClock, now: () => Date.now() + skew }
  const start = async (options: FakeGoogleOptions = {}, dailyLimit?: number): Promise<void> => {
    google = await startFakeGoogle({ now: clock.now, ...options })
    proxy = await startFaultProxy(google.url)
    manager = new UploadManager({
      db: lib.db, libraryRoot: lib.root, secrets, clock, settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null },
      tuning: { stallTimeoutMs: 2_000, backoff: { baseMs: 50, capMs: 500 } },
      options: { google: { authUrl: `${google.url}/auth`, tokenUrl: `${google.url}/token`, apiBase: proxy.url, batchDelayMs: 50, chunkSize: 1024 * 1024, ...(dailyLimit ? { dailyLimit } : {}) } },
    })
    manager.start()
  }
  beforeEach(() => {
    skew = 0
    lib = makeTestLibrary()
    secrets = memorySecrets()
  })
  afterEach(async () => {
    await manager?.stop()
    await proxy?.close()
    await google?.close()
    lib.cleanup()
  })
  const add = (uploadLivePhotoVideo = true) => manager.add({ kind: 'google-photos', name: 'Google Photos', config: { clientId: FAKE_CLIENT_ID, uploadLivePhotoVideo }, secret: FAKE_CLIENT_SECRET })
  async function signIn(id: string): Promise<void> {
    const { url, completion } = await manager.signIn(id)
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256')
    expect(await browse(url)).toContain('Cradle is signed in to Google Photos')
    await completion
  }

  it('needs sign-in first; after it, uploads everything with serial batchCreate calls of at most 50', async () => {
    await start()
    for (let i = 0; i < 70; i++) lib.addAsset({ libraryPath: `2026/IMG_${1000 + i}.JPG`, size: 2_000 + i })
    const g = lib.addGroup()
    const still = lib.addAsset({ libraryPath: '2026/IMG_2000.HEIC', size: 30_000, groupId: g })
    const motion = lib.addAsset({ libraryPath: '2026/IMG_2000.MOV', size: 2_700_000, groupId: g, role: 'motion', mime: 'video/quicktime' })
    lib.addAsset({ libraryPath: '2026/IMG_2000.AAE', size: 400, groupId: g, role: 'sidecar' })
    const view = await add()
    await until(() => manager.views()[0]!.status === 'needs-sign-in')
    expect(manager.views()[0]!.problem?.message).toBe('Google Photos needs you to sign in again')
    await signIn(view.id)
    expect(await secrets.get(secretKeys.refreshToken(view.id))).toMatch(/^1\/\//)
    await manager.drain()
    // 71 photos and videos (the Live Photo's still, video and .AAE are one; Google takes no .AAE): 72 files.
    expect(manager.statusCounts()[0]).toMatchObject({ done: 71, skipped: 0, failed: 0 })
    expect(google.items.size).toBe(72)
    const bySha = new Set([...google.items.values()].map((i) => i.sha256))
    for (const a of lib.assets.filter((x) => x.role !== 'sidecar')) expect(bySha.has(a.sha256)).toBe(true)
    expect(Math.max(...google.batchSizes)).toBeLessThanOrEqual(50)
    expect(google.batchSizes.reduce((s, n) => s + n, 0)).toBe(72)
    expect(google.parallelBatchCreates).toBe(0)
    // The video went up resumably in granularity-sized chunks, the photos raw.
    expect(google.requests.filter((r) => r.path.startsWith('/v1/uploads/session/')).length).toBe(3)
    expect(still.sha256).not.toBe(motion.sha256)
    expect(manager.views()[0]!.quota).toMatchObject({ used: google.requests.filter((r) => r.path.startsWith('/v1/')).length, limit: 10_000 })
  })

  it('needs the OAuth client secret, as Google\'s token endpoint does for Desktop clients even with PKCE', async () => {
    await start()
    // The fake answers as Google does without the secret.
    const bare = await fetch(`${google.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: FAKE_CLIENT_ID }) })
    expect(bare.status).toBe(400)
    expect(await bare.json()).toEqual({ error: 'invalid_request', error_description: 'client_secret is missing.' })
    // Cradle does not take a Google Photos destination without it…
    await expect(manager.add({ kind: 'google-photos', name: 'Google Photos', config: { clientId: FAKE_CLIENT_ID } })).rejects.toMatchObject({ code: 'invalid-input', context: { key: 'secret' } })
    await expect(manager.add({ kind: 'google-photos', name: 'Google Photos', config: {}, secret: FAKE_CLIENT_SECRET })).rejects.toMatchObject({ code: 'invalid-input', context: { key: 'clientId' } })
    // …and one kept without it (added by an older Cradle) says so before sending anyone to Google.
    const view = await add()
    await secrets.delete(secretKeys.secret(view.id))
    const error = await manager.signIn(view.id).then(() => null, (e: unknown) => e as CradleError)
    expect(error).toMatchObject({ code: 'destination-config', context: { googleClient: 'secret-missing' } })
    expect(describeError(error!.code, { ...error!.context, destinationName: 'Google Photos' })).toMatchObject({
      title: 'Google Photos has no OAuth client secret, and Google asks for it',
      action: expect.stringContaining('client ID and client secret of your Desktop client'),
    })
  })

  it('names a wrong client secret as a set-up problem, not a sign-in to repeat', async () => {
    await start()
    const view = await add()
    await secrets.set(secretKeys.secret(view.id), 'GOCSPX-wrong')
    const { url, completion } = await manager.signIn(view.id)
    const settled = completion.then(() => null, (e: unknown) => e)
    expect(await browse(url)).toContain('Sign-in did not work')
    expect(await settled).toMatchObject({ code: 'destination-config', context: { googleClient: 'rejected' } })
  })

  it('uploads a Live Photo\'s still only by default: no MOV reaches Google, two requests fewer per Live Photo', async () => {
    await start()
    for (let i = 0; i < 10; i++) {
      const g = lib.addGroup()
      lib.addAsset({ libraryPath: `IMG_${i}.HEIC`, size: 3_000, groupId: g })
      lib.addAsset({ libraryPath: `IMG_${i}.MOV`, size: 300_000, groupId: g, role: 'motion', mime: 'video/quicktime' })
    }
    const view = await manager.add({ kind: 'google-photos', name: 'Google Photos', config: { clientId: FAKE_CLIENT_ID }, secret: FAKE_CLIENT_SECRET })
    await signIn(view.id)
    await manager.drain()
    // Ten Live Photos up, each as its still: ten photos done, none skipped.
    expect(manager.statusCounts()[0]).toMatchObject({ done: 10, skipped: 0, failed: 0 })
    expect(google.uploadedFileNames.filter((n) => n.endsWith('.MOV'))).toEqual([])
    expect(google.uploadedFileNames).toHaveLength(10)
    // With the video each Live Photo costs a resumable start and a chunk more (the request budget).
    expect(google.requests.filter((r) => r.path.startsWith('/v1/uploads')).length).toBe(10)
  })

  it('can leave the Live Photo video out', async () => {
    await start()
    const g = lib.addGroup()
    lib.addAsset({ libraryPath: 'IMG_1.HEIC', size: 3_000, groupId: g })
    lib.addAsset({ libraryPath: 'IMG_1.MOV', size: 5_000, groupId: g, role: 'motion', mime: 'video/quicktime' })
    const view = await add(false)
    await signIn(view.id)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, skipped: 0 })
    expect([...google.items.values()].map((i) => i.fileName)).toEqual(['IMG_1.HEIC'])
  })

  it('fails only the item Google refuses in a batch', async () => {
    await start({ rejectFileNames: new Set(['bad.jpg']) })
    lib.addAsset({ libraryPath: 'ok1.jpg', size: 1_000 })
    const bad = lib.addAsset({ libraryPath: 'bad.jpg', size: 1_000 })
    lib.addAsset({ libraryPath: 'ok2.jpg', size: 1_000 })
    const view = await add()
    await signIn(view.id)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, failed: 1 })
    expect(manager.uploadStates([bad.id]).get(bad.id)![0]!.error!.code).toBe('destination-rejected')
  })

  it('renews an expired access token and goes on', async () => {
    await start()
    lib.addAsset({ libraryPath: 'a.jpg', size: 1_000 })
    const view = await add()
    await signIn(view.id)
    await manager.drain()
    google.expireAccessTokens()
    lib.addAsset({ libraryPath: 'b.jpg', size: 1_000 })
    lib.addAsset({ libraryPath: 'c.mov', size: 300_000, mime: 'video/quicktime' })
    manager.enqueue()
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 3, failed: 0 })
    expect(google.unauthorised).toBeGreaterThanOrEqual(1)
    expect(google.items.size).toBe(3)
  })

  it('asks to sign in again when the refresh token is revoked (invalid_grant), and recovers after sign-in', async () => {
    await start()
    lib.addAsset({ libraryPath: 'a.jpg', size: 1_000 })
    const view = await add()
    await signIn(view.id)
    await manager.drain()
    google.revokeRefreshTokens()
    google.expireAccessTokens()
    lib.addAsset({ libraryPath: 'b.jpg', size: 1_000 })
    manager.enqueue()
    await until(() => manager.views()[0]!.status === 'needs-sign-in')
    expect(manager.views()[0]!.problem).toMatchObject({ code: 'destination-auth', action: 'Sign in again.' })
    await signIn(view.id)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2 })
    expect(google.items.size).toBe(2)
  })

  it('says when Google ended the sign-in after 7 days, as it does for an app in Testing, and how to stop it', async () => {
    await start({ refreshTokenLifetimeMs: 7 * 24 * 3600_000 })
    lib.addAsset({ libraryPath: 'a.jpg', size: 1_000 })
    const view = await add()
    await signIn(view.id)
    await manager.drain()
    skew += 7 * 24 * 3600_000 + 60_000
    lib.addAsset({ libraryPath: 'b.jpg', size: 1_000 })
    manager.enqueue()
    await until(() => manager.views()[0]!.status === 'needs-sign-in')
    expect(manager.views()[0]!.problem).toMatchObject({
      code: 'destination-auth',
      message: 'Google ended the sign-in of Google Photos after 7 days',
      action: expect.stringContaining('while your OAuth app is in Testing. Publish it to Production'),
    })
    await signIn(view.id)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2 })
  })

  it('destination test makes a real call: with the Photos Library API off in the project it fails, naming the project and the fix', async () => {
    await start()
    const view = await add()
    await signIn(view.id)
    expect(await manager.test({ id: view.id })).toEqual({ ok: true, message: expect.stringContaining('Google Photos') })
    // The call creates nothing.
    expect(google.items.size).toBe(0)
    google.disableApi()
    const failed = await manager.test({ id: view.id })
    expect(failed.ok).toBe(false)
    expect(failed.message).toBe(`The Photos Library API is turned off in Google Cloud project ${FAKE_PROJECT_NUMBER}. Enable it at https://console.cloud.google.com/apis/library/photoslibrary.googleapis.com?project=${FAKE_PROJECT_NUMBER}, wait a few minutes, then test Google Photos again.`)
    // An upload meets the same answer: the destination stops with the same words, not "refused the upload".
    lib.addAsset({ libraryPath: 'a.jpg', size: 1_000 })
    manager.enqueue()
    await until(() => manager.views()[0]!.status === 'error')
    expect(manager.views()[0]!.problem).toMatchObject({ code: 'destination-config', message: `The Photos Library API is turned off in Google Cloud project ${FAKE_PROJECT_NUMBER}` })
    google.enableApi()
    expect(await manager.test({ id: view.id })).toMatchObject({ ok: true })
    manager.retryFailed(view.id)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0 })
  })

  it('counts requests against the daily budget and parks until it resets', async () => {
    await start({}, 4)
    for (let i = 0; i < 6; i++) lib.addAsset({ libraryPath: `q${i}.jpg`, size: 1_000 })
    const view = await add()
    await signIn(view.id)
    await until(() => manager.views()[0]!.waitingReason?.startsWith('Daily limit; resumes at') ?? false)
    const v = manager.views()[0]!
    expect(v.status).toBe('waiting')
    expect(v.quota).toMatchObject({ used: 4, limit: 4 })
    expect(google.requests.filter((r) => r.path.startsWith('/v1/')).length).toBe(4)
  })

  it('parks when Google itself says the daily quota is spent', async () => {
    await start({ dailyLimit: 2 })
    for (let i = 0; i < 4; i++) lib.addAsset({ libraryPath: `g${i}.jpg`, size: 1_000 })
    const view = await add()
    await signIn(view.id)
    await until(() => manager.views()[0]!.waitingReason?.startsWith('Daily limit') ?? false)
    expect(manager.views()[0]!.quota!.used).toBe(10_000)
    expect(manager.statusCounts()[0]!.done).toBeLessThan(4)
  })

  it('never creates twice when a batchCreate answer is lost: the item fails and says to check', async () => {
    await start()
    const a = lib.addAsset({ libraryPath: 'lost.jpg', size: 1_000 })
    let lost = false
    proxy.setPlan((r) => {
      if (!lost && r.url.includes('batchCreate')) {
        lost = true
        return { kind: 'lose-answer' }
      }
      return { kind: 'pass' }
    })
    const view = await add()
    await signIn(view.id)
    await manager.drain()
    // Google created it, the answer never arrived; the retry with the same token is refused.
    expect(google.items.size).toBe(1)
    expect(manager.statusCounts()[0]).toMatchObject({ done: 0, failed: 1 })
    const row = lib.db.prepare('SELECT error_code, error_detail, session_json FROM uploads WHERE asset_id = ?').get(a.id) as Record<string, string | null>
    expect(row.error_code).toBe('destination-rejected')
    expect(row.error_detail).toContain('check Google Photos before retrying')
    expect(row.session_json).toBeNull()
  })
})

