import { expect, test } from './fixtures/app.js'
import { screenshot, valueNow } from './fixtures/page-helpers.js'

test('a phone waiting for Trust shows the instruction and continues once trusted', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 60, itemsPerTick: 2 })
  await page.goto(app.url)
  await app.phone.attach({ trust: 'pending' })

  const card = page.getByRole('article', { name: "Anna's iPhone" })
  await expect(card.getByTestId('device-instruction')).toHaveText('Tap Trust on your iPhone, then enter its passcode.')
  await expect(card.getByTestId('device-status')).toHaveText("Waiting for Trust on Anna's iPhone")
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeDisabled()
  await expect(page.getByTestId('backup-reason')).toHaveText('Tap Trust on your iPhone, then enter its passcode.')
  await expect(page.getByRole('progressbar')).toHaveCount(0)
  await screenshot(page, 'needs-trust')

  await app.phone.trust()
  await expect(card.getByTestId('device-instruction')).toHaveCount(0)
  await expect.poll(() => valueNow(page.getByRole('progressbar', { name: 'Items backed up' }))).toBeGreaterThan(0)
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 30_000 })
})

test('a locked phone says to unlock it', async ({ page, cradle }) => {
  const app = await cradle.start()
  await page.goto(app.url)
  await app.phone.attach({ trust: 'locked' })
  await expect(page.getByRole('article', { name: "Anna's iPhone" }).getByTestId('device-instruction')).toHaveText('Unlock your iPhone to continue.')
})

test('unplugging mid-backup shows it, and the backup resumes where it stopped on re-attach', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 150, itemsPerTick: 1 })
  await page.goto(app.url)
  await app.phone.attach()
  const items = page.getByRole('progressbar', { name: 'Items backed up' })
  await expect.poll(() => valueNow(items)).toBeGreaterThan(10)

  await app.phone.unplug()
  const card = page.getByRole('article', { name: "Anna's iPhone" })
  await expect(card.getByTestId('device-status')).toHaveText("Anna's iPhone was unplugged")
  await expect(card.getByTestId('device-instruction')).toHaveText('Plug it in again; the backup continues where it stopped.')
  await expect(card).toContainText('Not connected')
  const stoppedAt = await valueNow(items) // the interrupted run is still shown, not thrown away
  expect(stoppedAt).toBeGreaterThan(10)
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeDisabled()
  await screenshot(page, 'unplugged')
  await page.waitForTimeout(400)
  expect(await valueNow(items)).toBe(stoppedAt)

  await app.phone.attach()
  await expect(card.getByTestId('device-instruction')).toHaveCount(0)
  await expect.poll(() => valueNow(items)).toBeGreaterThan(stoppedAt)
  // Resumed, not restarted: it never went back below where it stopped.
  const seen: number[] = []
  for (let i = 0; i < 5; i++) {
    seen.push(await valueNow(items).catch(() => 150))
    await page.waitForTimeout(100)
  }
  expect(Math.min(...seen)).toBeGreaterThanOrEqual(stoppedAt)
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 40_000 })
  await expect(page.getByTestId('history').locator('li').first()).toContainText("147 new from Anna's iPhone")
})
