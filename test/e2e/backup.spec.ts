import { expect, test } from './fixtures/app.js'
import { screenshot, valueNow, watchCsp } from './fixtures/page-helpers.js'

test('a phone appears, "Back up now" runs, progress moves and it ends with the right counts', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 120, notOnPhone: 3, autoRun: false, slow: true })
  const csp = watchCsp(page)
  await page.goto(app.url)

  await expect(page.getByText('Connect your iPhone with a cable. Cradle starts by itself.')).toBeVisible()
  const backUp = page.getByRole('button', { name: 'Back up now', exact: true })
  await expect(backUp).toBeDisabled()
  await expect(page.getByTestId('backup-reason')).toHaveText('Connect your iPhone with a cable.')
  await screenshot(page, 'empty')

  await app.phone.attach()
  const card = page.getByRole('article', { name: app.phoneName })
  await expect(card.getByRole('heading', { name: app.phoneName })).toBeVisible()
  await expect(card).toContainText(/^.*iPhone \d+ · iOS [\d.]+ · Battery 57 %, charging · USB/)
  await expect(card.getByTestId('device-status')).toHaveText('Connected and ready to back up.')
  await expect(backUp).toBeEnabled()

  await backUp.click()
  const items = page.getByRole('progressbar', { name: 'Items backed up' })
  await expect(items).toBeVisible()
  if (app.truth) await expect(items).toHaveAttribute('aria-valuemax', String(app.truth.itemsOnPhone))
  await expect.poll(() => valueNow(items)).toBeGreaterThan(5)
  const first = await valueNow(items)
  await expect.poll(() => valueNow(items)).toBeGreaterThan(first)
  await expect(page.getByRole('progressbar', { name: 'Data copied' })).toHaveAttribute('aria-valuemax', '100')
  await expect(card.getByTestId('job-line')).toContainText(/\.(HEIC|JPG|MOV|PNG|AAE) · [\d.]+ MB\/s · (about \d+ min left|less than a minute left)/)
  await expect(backUp).toBeDisabled()
  await expect(page.getByTestId('backup-reason')).toHaveText(`Backing up ${app.phoneName} now.`)
  await screenshot(page, 'backing-up')

  await expect(card.getByTestId('device-status')).toHaveText('Backed up: everything this iPhone holds is safe.', { timeout: 60_000 })
  await expect(items).toHaveCount(0)
  // The window says what the engine says, and (where the scenario fixes it) that is the truth.
  const device = (await app.state()).devices[0]!
  const notOnPhone = device.itemsNotOnPhone
  if (app.truth) expect([device.itemsOnPhone, device.itemsSafe, notOnPhone]).toEqual([app.truth.itemsOnPhone, app.truth.newItems, app.truth.notOnPhone])
  expect(notOnPhone).toBeGreaterThan(0)
  await expect(card.getByTestId('device-counts')).toHaveText(`${device.itemsOnPhone} items on the phone · ${device.itemsSafe} already safe`)
  await expect(card.getByTestId('device-icloud')).toHaveText(`${notOnPhone} ${notOnPhone === 1 ? 'item is' : 'items are'} in iCloud only (Optimize iPhone Storage). They'll be backed up when the iPhone downloads them.`)
  const imported = (await app.state()).history[0]!.imported
  expect(imported).toBe(device.itemsSafe)
  await expect(page.getByTestId('history').locator('li').first()).toContainText(`${imported} new from ${app.phoneName} · ${notOnPhone} in iCloud only`)
  await expect(card).toContainText(/Last backup today \d\d:\d\d/)

  // The queue agrees: the items not on this iPhone, and only they, are under that filter.
  const filter = page.getByRole('button', { name: `Not on this iPhone ${notOnPhone}` })
  await filter.click()
  await expect(filter).toHaveAttribute('aria-pressed', 'true')
  const list = page.getByRole('list', { name: 'Queue items' })
  await expect(list.getByRole('listitem')).toHaveCount(notOnPhone)
  await expect(list.getByRole('listitem').first()).toContainText('In iCloud only')
  await screenshot(page, 'done')
  expect(csp).toEqual([])
})

test('Pause stops the run and Resume continues it', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 200, attached: true, slow: true })
  await page.goto(app.url)
  const items = page.getByRole('progressbar', { name: 'Items backed up' })
  await expect.poll(() => valueNow(items)).toBeGreaterThan(2)
  await page.getByRole('button', { name: 'Pause' }).click()
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible()
  await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText('Paused.')
  const paused = await valueNow(items)
  await page.waitForTimeout(600)
  expect(await valueNow(items)).toBe(paused)
  await expect(page.getByTestId('headline')).toContainText('Paused')
  await page.getByRole('button', { name: 'Resume' }).click()
  await expect.poll(() => valueNow(items)).toBeGreaterThan(paused)
})
