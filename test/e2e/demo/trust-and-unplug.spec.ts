/**
 * The states that need the person, against `cradle demo`: Trust, a locked phone, a port that does
 * not charge, and the cable pulled mid-backup — each shows what to do, and the backup carries on
 * by itself once it is done, with every file in the library once.
 */
import { describeError } from '../../../src/shared/error-text.js'
import { WAITING_FOR_POWER } from '../../../src/renderer/words.js'
import type { Page } from '@playwright/test'
import { expect, test, type CradleUnderTest, type Scenario } from '../fixtures/app.js'
import { screenshot, valueNow } from '../fixtures/page-helpers.js'

/** "Only while charging" on and the phone on a port that gives no power: the card waits for it. */
async function onPortThatDoesNotCharge(page: Page, cradle: { start(s?: Scenario): Promise<CradleUnderTest> }) {
  const app = await cradle.start({ photos: 20, settings: { importOnlyOnPower: true } })
  await page.goto(app.url)
  await app.phone.power(false)
  await app.phone.attach()
  const card = page.getByRole('article', { name: app.phoneName })
  await expect(card.getByTestId('device-status')).toHaveText(WAITING_FOR_POWER)
  return { app, card }
}

test('a phone waiting for Trust shows the instruction and continues once trusted', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 20, trust: 'pending' })
  await page.goto(app.url)
  await app.phone.attach()

  // Before Trust the phone may not tell its name: the one card there is.
  const card = page.getByRole('article')
  await expect(card.getByTestId('device-instruction')).toHaveText('Tap Trust on your iPhone, then enter its passcode.')
  await expect(card.getByTestId('device-status')).toHaveText(/^Waiting for Trust on /)
  // The header names the blocker; the instruction is said once, on the card, and the button points at it.
  await expect(page.getByTestId('headline')).toHaveText(/^Waiting for Trust on /)
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeDisabled()
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toHaveAccessibleDescription('Tap Trust on your iPhone, then enter its passcode.')
  await expect(page.getByText('Tap Trust on your iPhone, then enter its passcode.')).toHaveCount(1)
  await expect(page.getByRole('progressbar')).toHaveCount(0)
  await screenshot(page, 'needs-trust')

  await app.phone.trust()
  await expect(card.getByTestId('device-instruction')).toHaveCount(0)
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  await expect(card.getByRole('heading', { name: app.phoneName })).toBeVisible()
  expect((await app.state()).history[0]!.imported).toBe(app.truth.itemsOnPhone)
  expect(await app.libraryFiles()).toBe(app.truth.itemsOnPhone)
})

test('a locked phone says to unlock it, then asks for Trust, then backs up', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 20, trust: 'locked' })
  await page.goto(app.url)
  await app.phone.attach()
  const card = page.getByRole('article')
  await expect(card.getByTestId('device-instruction')).toHaveText('Unlock your iPhone to continue.')
  await expect(card.getByTestId('device-status')).toHaveText(/ is locked$/)
  await expect(page.getByTestId('headline')).toHaveText(/ is locked$/)
  await expect(page.getByText('Unlock your iPhone to continue.')).toHaveCount(1)
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeDisabled()
  await screenshot(page, 'locked')

  await app.phone.unlock()
  await expect(card.getByTestId('device-instruction')).toHaveText('Tap Trust on your iPhone, then enter its passcode.')
  await app.phone.trust()
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  expect(await app.libraryFiles()).toBe(app.truth.itemsOnPhone)
})

test('a port that does not charge holds the backup until it does (Only while charging)', async ({ page, cradle }) => {
  const { app, card } = await onPortThatDoesNotCharge(page, cradle)
  await expect(card).toContainText('Battery 57 % · USB')
  await expect(page.getByTestId('headline')).toHaveText(`${app.phoneName} is not charging`)
  await expect(card.getByTestId('device-counts')).toHaveText('Photos and videos on this iPhone: not counted yet')
  expect(await app.libraryFiles()).toBe(0)

  await app.phone.power(true)
  await expect(card).toContainText('Battery 57 %, charging')
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  expect(await app.libraryFiles()).toBe(app.truth.itemsOnPhone)
})

test('"Back up now" while the port does not charge asks "Back up anyway?" and then backs up', async ({ page, cradle }) => {
  const { app, card } = await onPortThatDoesNotCharge(page, cradle)
  const backUp = page.getByRole('button', { name: 'Back up now', exact: true })

  await backUp.click()
  const ask = page.getByRole('dialog', { name: 'Back up anyway?' })
  await expect(ask).toContainText(`${app.phoneName} is not charging.`)
  await ask.getByRole('button', { name: 'Cancel' }).click()
  await expect(ask).toHaveCount(0)
  await expect(card.getByTestId('device-status')).toHaveText(WAITING_FOR_POWER)
  expect(await app.libraryFiles()).toBe(0)

  await backUp.click()
  await page.getByRole('dialog', { name: 'Back up anyway?' }).getByRole('button', { name: 'Back up anyway' }).click()
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  expect(await app.libraryFiles()).toBe(app.truth.itemsOnPhone)
  // Still not charging: the phone is not held back again for the backup it just finished.
  expect((await app.state()).devices[0]!.battery).toMatchObject({ externalPower: false })
})

test('a connection that drops while the phone stays plugged in is "connection lost", not "unplugged", and the backup goes on', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 30, slow: true })
  await page.goto(app.url)
  await app.phone.attach()
  const card = page.getByRole('article', { name: app.phoneName })
  const items = page.getByRole('progressbar', { name: 'Photos and videos safe' })
  await expect.poll(() => valueNow(items)).toBeGreaterThan(5)

  await app.phone.dropConnection()
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  const lost = page.getByTestId('history').locator('li', { hasText: 'connection lost' })
  await expect(lost).toHaveText(new RegExp(`— Interrupted \\(connection lost\\) · (\\d+ new from )?${escapeRegExp(app.phoneName)} · resumed today `))
  await expect(lost).toHaveAttribute('data-tone', 'past')
  await expect(page.getByTestId('history')).not.toContainText(/unplugged/i)
  const state = await app.state()
  expect(state.history.filter((h) => h.kind === 'import' && h.error).map((h) => h.error!.code)).toEqual(['device-connection-lost'])
  expect(await app.libraryFiles()).toBe(app.truth.itemsOnPhone)
})

test('unplugging mid-backup shows it, and the backup resumes where it stopped on re-attach', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 30, slow: true })
  await page.goto(app.url)
  await app.phone.attach()
  const card = page.getByRole('article', { name: app.phoneName })
  const items = page.getByRole('progressbar', { name: 'Photos and videos safe' })
  await expect.poll(() => valueNow(items)).toBeGreaterThan(5)

  await app.phone.unplug()
  const unplugged = describeError('device-unplugged', { deviceName: app.phoneName })
  await expect(card.getByTestId('device-status')).toHaveText(unplugged.title)
  await expect(card.getByTestId('device-instruction')).toHaveText(unplugged.action!)
  await expect(card).toContainText(/iPhone \d+ · iOS [\d.]+ · Not connected/)
  expect((await app.state()).devices[0]).toMatchObject({ phase: 'disconnected', connected: false, problem: { code: 'device-unplugged' } })
  // The interrupted run is still shown where it stopped, not thrown away, and it stays there.
  const stoppedAt = await valueNow(items)
  expect(stoppedAt).toBeGreaterThan(5)
  expect(stoppedAt).toBeLessThan(app.truth.photosOnPhone)
  await expect(card.getByTestId('job-line')).toHaveText(/^Stopped at /)
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeDisabled()
  await expect(page.getByTestId('history').locator('li').first()).toContainText(`${unplugged.title} — ${unplugged.action}`)
  await screenshot(page, 'unplugged')
  const safeWhenUnplugged = await app.libraryFiles()
  // The bar stays: once the page has drawn everything the engine published since, it still shows it.
  const engineSeq = (await app.state()).seq
  await expect.poll(async () => Number(await page.locator('html').getAttribute('data-snapshot-seq'))).toBeGreaterThanOrEqual(engineSeq)
  expect(await valueNow(items)).toBe(stoppedAt)

  await app.phone.attach()
  await expect(card.getByTestId('device-instruction')).toHaveCount(0)
  await expect(card).toContainText('USB')
  // The totals carry on across the re-plug: the bar still counts every photo and video on the phone
  // and goes on from where it stopped, never back to "5 of 175".
  const bar = async (): Promise<[number, number] | null> => (await items.evaluateAll((bars) => bars.map((b) => [Number(b.getAttribute('aria-valuenow')), Number(b.getAttribute('aria-valuemax'))] as [number, number])))[0] ?? null
  await expect.poll(async () => {
    const b = await bar()
    return b !== null && b[0] > stoppedAt && b[1] === app.truth.photosOnPhone
  }).toBe(true)
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  // The interruption is the past now: grey, "Interrupted … resumed …", no red "Plug it in again".
  const interrupted = page.getByTestId('history').locator('li', { hasText: 'Unplugged' })
  await expect(interrupted).toHaveText(new RegExp(`— Unplugged · (\\d+ new from )?${escapeRegExp(app.phoneName)} · resumed today `))
  await expect(interrupted).toHaveAttribute('data-tone', 'past')
  await expect(page.getByTestId('history')).not.toContainText(unplugged.action!)
  // Resumed, not restarted: the second run copied only what the first did not, each file once.
  const state = await app.state()
  const device = state.devices[0]!
  expect([device.itemsOnPhone, device.itemsSafe]).toEqual([app.truth.itemsOnPhone, app.truth.itemsOnPhone])
  const runs = state.history.filter((h) => h.kind === 'import')
  expect(runs.reduce((sum, h) => sum + h.imported, 0)).toBe(app.truth.itemsOnPhone)
  expect(safeWhenUnplugged).toBeGreaterThan(0)
  expect(await app.libraryFiles()).toBe(app.truth.itemsOnPhone)
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
