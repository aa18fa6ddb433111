/**
 * The main path against `cradle demo`: the virtual phone appears with its name and battery →
 * "Back up now" → the bars move → done, with counts that match the camera roll's plan and the files
 * on disk (library and a folder destination), not only what the engine says.
 */
import { expect, test } from '../fixtures/app.js'
import { screenshot, valueNow, watchCsp } from '../fixtures/page-helpers.js'

test('a phone appears, "Back up now" runs, progress moves and it ends with the right counts', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 30, notOnPhone: 3, autoRun: false, slow: true })
  const { truth } = app
  const csp = watchCsp(page)
  await page.goto(app.url)

  await expect(page.getByText('Connect your iPhone with a cable. Cradle starts by itself.')).toBeVisible()
  const backUp = page.getByRole('button', { name: 'Back up now', exact: true })
  await expect(backUp).toBeDisabled()
  await expect(page.getByTestId('backup-reason')).toHaveText('Connect your iPhone with a cable.')
  await screenshot(page, 'empty')

  const disk = await app.addFolderDestination('Backup disk')
  await app.phone.attach()
  const card = page.getByRole('article', { name: app.phoneName })
  await expect(card.getByRole('heading', { name: app.phoneName })).toBeVisible()
  await expect(card).toContainText(/iPhone \d+( mini| Pro| Pro Max| Plus)? · iOS [\d.]+ · Battery 57 %, charging · USB/)
  await expect(card.getByTestId('device-status')).toHaveText('Connected and ready to back up.')
  await expect(backUp).toBeEnabled()

  await backUp.click()
  // Counted as the Photos app counts: photos and videos (a Live Photo, an edit with its files, is one).
  const items = page.getByRole('progressbar', { name: 'Photos and videos safe' })
  await expect(items).toBeVisible()
  await expect(items).toHaveAttribute('aria-valuemax', String(truth.photosOnPhone))
  await expect.poll(() => valueNow(items)).toBeGreaterThan(3)
  const first = await valueNow(items)
  await expect.poll(() => valueNow(items)).toBeGreaterThan(first)
  await expect(page.getByRole('progressbar', { name: 'Data copied in this backup' })).toHaveAttribute('aria-valuemax', '100')
  await expect(card.getByTestId('bytes-progress')).toHaveText(/ copied in this backup$/)
  // One live count: the header, the bar's label and the card's count line say the same figure, read
  // from one drawn snapshot; and the first backup is "in progress", not "Not backed up yet".
  await expect(card.getByTestId('device-last-backup')).toHaveText('First backup in progress')
  const [headline, barLabel, countLine] = await page.evaluate(() => ['headline', 'items-progress', 'device-counts'].map((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''))
  const figure = /^(\d+) of (\d+) photos and videos safe$/.exec(barLabel!)
  expect(figure, barLabel).not.toBeNull()
  expect(figure![2]).toBe(String(truth.photosOnPhone))
  expect(headline).toContain(`${figure![1]} of ${truth.photosOnPhone} photos and videos safe`)
  expect(countLine).toBe(`${truth.photosOnPhone} photos and videos on this iPhone · ${figure![1]} safe`)
  await expect(card.getByTestId('job-line')).toContainText(/\.(HEIC|JPG|MOV|PNG|AAE) · [\d.]+ MB\/s · (about \d+ min left|less than a minute left)/)
  await expect(backUp).toBeDisabled()
  await expect(page.getByTestId('backup-reason')).toHaveText(`Backing up ${app.phoneName} now.`)
  await expect(card.getByTestId('device-status')).toHaveText(`Backing up ${app.phoneName}…`)
  await screenshot(page, 'backing-up', { readme: true })

  await expect(card.getByTestId('device-status')).toHaveText(`Backed up, except ${truth.notOnPhone} photos and videos in iCloud only.`, { timeout: 60_000 })
  await expect(items).toHaveCount(0)
  // The engine's counts are the plan's, and the library on disk holds exactly the readable files.
  const device = (await app.state()).devices[0]!
  expect([device.itemsOnPhone, device.itemsSafe, device.itemsNotOnPhone]).toEqual([truth.itemsOnPhone, truth.newItems, truth.notOnPhone])
  expect(device.photos).toMatchObject({ onPhone: truth.photosOnPhone, safe: truth.photosOnPhone - truth.notOnPhone, inICloudOnly: truth.notOnPhone })
  expect(await app.libraryFiles()).toBe(truth.newItems)
  await expect(card.getByTestId('device-counts')).toHaveText(`${truth.photosOnPhone} photos and videos on this iPhone · ${truth.photosOnPhone - truth.notOnPhone} safe`)
  await expect(card.getByTestId('device-icloud')).toHaveText(`${truth.notOnPhone} photos and videos are in iCloud only (Optimize iPhone Storage). They'll be backed up when the iPhone downloads them.`)
  const run = (await app.state()).history.find((h) => h.kind === 'import')!
  expect([run.imported, run.unavailable, run.failed]).toEqual([truth.newItems, truth.notOnPhone, 0])
  await expect(page.getByTestId('history').locator('li', { hasText: `new from ${app.phoneName}` })).toContainText(`${truth.photosOnPhone - truth.notOnPhone} new from ${app.phoneName} · ${truth.notOnPhone} in iCloud only`)
  await expect(card).toContainText(/Last backup today \d\d?:\d\d/)

  // Every safe file went on to the folder destination, once; the destination counts photos and videos, as the card does.
  await expect(page.getByRole('listitem', { name: 'Backup disk' })).toContainText(`Ready · ${truth.photosOnPhone - truth.notOnPhone} uploaded`, { timeout: 60_000 })
  expect(await disk.files()).toBe(truth.newItems)
  // History records the batch once the import feeding it is over, in photos and videos: one line.
  const uploaded = page.getByTestId('history').locator('li', { hasText: 'to Backup disk' })
  await expect(uploaded).toHaveText(new RegExp(`— Uploaded ${truth.photosOnPhone - truth.notOnPhone} photos and videos to Backup disk$`))

  // The queue agrees: the items not on this iPhone, and only they, are under that filter.
  const filter = page.getByRole('button', { name: `In iCloud only ${truth.notOnPhone}` })
  await filter.click()
  await expect(filter).toHaveAttribute('aria-pressed', 'true')
  const list = page.getByRole('list', { name: 'Queue items' })
  await expect(list.getByRole('listitem')).toHaveCount(truth.notOnPhone)
  await expect(list.getByRole('listitem').first()).toContainText('In iCloud only')
  await screenshot(page, 'done')

  // Thumbnails: an imported JPEG shows the EXIF thumbnail the engine serves, fetched with the token
  // in a header into a blob: URL (no cookie: it would reach every service on this host); a HEIC
  // shows its kind.
  await page.getByRole('button', { name: 'All', exact: true }).click()
  await page.getByRole('searchbox', { name: 'Search file names' }).fill('.JPG')
  const withPicture = list.getByRole('listitem').filter({ has: page.locator('.row-thumb img') })
  await expect(withPicture.first()).toContainText('.JPG')
  const picture = withPicture.first().locator('img')
  await expect(picture).toHaveAttribute('src', /^blob:http:\/\/127\.0\.0\.1:\d+\//)
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(80)
  expect(await page.context().cookies()).toEqual([])
  await page.getByRole('searchbox', { name: 'Search file names' }).fill('.HEIC')
  await expect(list.getByRole('listitem').first()).toContainText('.HEIC')
  await expect(list.getByRole('listitem').first().locator('.row-thumb')).toHaveText('HEIC')
  expect(csp).toEqual([])
})

test('Pause all stops the run where it is, Resume all continues it, and nothing is copied twice', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 30, attached: true, slow: true })
  await page.goto(app.url)
  const card = page.getByRole('article', { name: app.phoneName })
  const items = page.getByRole('progressbar', { name: 'Photos and videos safe' })
  await expect.poll(() => valueNow(items)).toBeGreaterThan(2)
  await page.getByRole('button', { name: 'Pause all' }).click()
  await expect(page.getByRole('button', { name: 'Resume all' })).toBeVisible()
  await expect(card.getByTestId('device-status')).toHaveText('Paused.')
  await expect(card.getByTestId('device-instruction')).toHaveText('Press Resume all to continue.')
  await expect(page.getByTestId('headline')).toHaveText(new RegExp(`^Paused — \\d+ (photos and videos|photo or video) not copied from ${app.phoneName}$`))
  // Paused keeps the bars where they stopped, and they stay there. The barrier instead of a wait:
  // the engine reports the phone 'paused' only once its run has wound down (files in flight
  // finished or aborted, the phone's files closed), and nothing is copied after that until Resume.
  await expect.poll(async () => (await app.state()).devices[0]?.phase).toBe('paused')
  const stopped = (await app.state()).devices[0]!.progress!
  const paused = (await app.state()).devices[0]!.photos!.safe
  expect(paused).toBeGreaterThan(2)
  await expect.poll(() => valueNow(items)).toBe(paused) // the page shows where the run stopped
  const library = await app.libraryFiles()
  expect((await app.state()).devices[0]!.progress).toEqual(stopped)
  expect(await valueNow(items)).toBe(paused)
  expect(await app.libraryFiles()).toBe(library)
  await screenshot(page, 'paused')

  await page.getByRole('button', { name: 'Resume all' }).click()
  await expect(page.getByRole('button', { name: 'Pause all' })).toBeVisible()
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  const device = (await app.state()).devices[0]!
  expect([device.itemsOnPhone, device.itemsSafe]).toEqual([app.truth.itemsOnPhone, app.truth.itemsOnPhone])
  expect(await app.libraryFiles()).toBe(app.truth.itemsOnPhone)
})
