import { expect, test } from './fixtures/app.js'
import { screenshot, valueNow } from './fixtures/page-helpers.js'

test('a phone waiting for Trust shows the instruction and continues once trusted', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 60, trust: 'pending' })
  await page.goto(app.url)
  await app.phone.attach()

  // Before Trust the phone may not tell its name: the one card there is.
  const card = page.getByRole('article')
  await expect(card.getByTestId('device-instruction')).toHaveText('Tap Trust on your iPhone, then enter its passcode.')
  await expect(card.getByTestId('device-status')).toHaveText(/^Waiting for Trust on /)
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeDisabled()
  await expect(page.getByTestId('backup-reason')).toHaveText('Tap Trust on your iPhone, then enter its passcode.')
  await expect(page.getByRole('progressbar')).toHaveCount(0)
  await screenshot(page, 'needs-trust')

  await app.phone.trust()
  await expect(card.getByTestId('device-instruction')).toHaveCount(0)
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  expect((await app.state()).history[0]!.imported).toBeGreaterThan(0)
})

test('a locked phone says to unlock it', async ({ page, cradle }) => {
  const app = await cradle.start({ trust: 'locked' })
  await page.goto(app.url)
  await app.phone.attach()
  await expect(page.getByRole('article').getByTestId('device-instruction')).toHaveText('Unlock your iPhone to continue.')
})

test('unplugging mid-backup shows it, and the backup resumes where it stopped on re-attach', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 150, slow: true, notOnPhone: 0 })
  await page.goto(app.url)
  await app.phone.attach()
  const items = page.getByRole('progressbar', { name: 'Items backed up' })
  await expect.poll(() => valueNow(items)).toBeGreaterThan(10)

  await app.phone.unplug()
  const card = page.getByRole('article', { name: app.phoneName })
  await expect(card.getByTestId('device-status')).toHaveText(`${app.phoneName} was unplugged`)
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
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  // Resumed, not restarted: everything is in the library once, and the run counted every item once.
  const state = await app.state()
  const device = state.devices[0]!
  expect(device.itemsSafe).toBe(device.itemsOnPhone)
  const runs = state.history.filter((h) => h.kind === 'import')
  expect(runs.reduce((sum, h) => sum + h.imported, 0)).toBe(device.itemsOnPhone)
  if (app.truth) expect(device.itemsOnPhone).toBe(app.truth.itemsOnPhone)
})
