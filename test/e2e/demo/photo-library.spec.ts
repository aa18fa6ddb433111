/**
 * The phone's own Photos library in the window, against `cradle demo` serving a Photos.sqlite: the
 * device card answers "is every photo on this iPhone safe?" from it (the completeness line) and lists
 * where the database and DCIM disagree (the demo's phone lacks one original its database lists), and the
 * queue shows each photo's albums and favorite — non-ASCII titles intact, and an original that
 * lives only in PhotoData/CPLAssets (downloaded from iCloud) under its original name; HEIC rows show
 * the phone's own thumbnail.
 */
import { expect, test } from '../fixtures/app.js'
import { screenshot } from '../fixtures/page-helpers.js'

test('the card says from the Photos library whether every photo is safe, and rows show albums and favorites', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 14, photoLibrary: true })
  await page.goto(app.url)
  await app.phone.attach()
  const card = page.getByRole('article', { name: app.phoneName })
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })

  // The completeness line is the engine's view of the database, in the words of the issue.
  await expect.poll(async () => (await app.state()).devices[0]?.photoLibrary?.available).toBe(true)
  const library = (await app.state()).devices[0]!.photoLibrary!
  const onPhone = library.photosOnPhone + library.videosOnPhone
  // The demo's phone lacks one original its database lists (IMG_0000.HEIC): every other one is safe,
  // and the card says so instead of "All … are safe"; the run itself is not a failure.
  expect(library.photosSafe + library.videosSafe).toBe(onPhone - 1)
  expect([library.inICloudOnly, library.inRecentlyDeletedNotCopied]).toEqual([1, 1])
  await expect(card.getByTestId('device-completeness')).toHaveText(`${onPhone - 1} of ${onPhone} photos and videos are safe · 1 in iCloud only · 1 in Recently Deleted not copied`)
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/)
  await expect(card.getByTestId('device-photos-note')).toHaveCount(0)
  // Where the database and DCIM disagree, both ways, each a count that opens to its paths.
  // The roll's odd extras are files Photos does not list: backed up too.
  expect(library.unknownFileCount).toBeGreaterThan(0)
  const plural = library.unknownFileCount === 1 ? 'file' : 'files'
  const mismatches = card.getByTestId('device-library-mismatch')
  await expect(mismatches).toHaveCount(2)
  const unknown = mismatches.nth(0)
  await expect(unknown.locator('summary')).toHaveText(`${library.unknownFileCount} ${plural} in DCIM that Photos does not list (backed up too)`)
  await expect(unknown.getByRole('listitem').first()).toBeHidden()
  await unknown.locator('summary').click()
  await expect(unknown.getByRole('listitem')).toHaveText(library.unknownFiles.map((p) => p.slice(1)))
  // The original Photos lists that the phone does not have: said, with its path, not counted as safe.
  expect([library.missingFileCount, library.missingFiles]).toEqual([1, ['/DCIM/100APPLE/IMG_0000.HEIC']])
  const missing = mismatches.nth(1)
  await expect(missing.locator('summary')).toHaveText('1 original Photos lists that the iPhone did not show, so not backed up')
  await missing.locator('summary').click()
  await expect(missing.getByRole('listitem')).toHaveText(['DCIM/100APPLE/IMG_0000.HEIC'])

  // Albums and favorites per row: the original downloaded from iCloud is a favorite in "Été 2024 🌊".
  const list = page.getByRole('list', { name: 'Queue items' })
  await page.getByRole('searchbox', { name: 'Search file names' }).fill('IMG_7421')
  const downloaded = list.getByRole('listitem').filter({ hasText: 'IMG_7421.JPG' })
  await expect(downloaded).toHaveCount(1)
  await expect(downloaded.getByTestId('item-albums')).toHaveText(' In albums: Été 2024 🌊')
  await expect(downloaded.getByTestId('item-favorite')).toHaveText(' ★ Favorite')
  await page.getByRole('searchbox', { name: 'Search file names' }).fill('')
  await expect(list.getByTestId('item-albums').filter({ hasText: 'Berlin' }).first()).toBeVisible()
  await screenshot(page, 'photo-library')

  // A HEIC row shows the phone's own thumbnail (PhotoData/Thumbnails/V2, kept at import), fetched
  // like a JPEG's into a blob: URL; without the Photos library it would show only its kind.
  await page.getByRole('searchbox', { name: 'Search file names' }).fill('.HEIC')
  const pictured = list.getByRole('listitem').filter({ hasText: '.HEIC' }).filter({ has: page.locator('.row-thumb img') })
  await expect(pictured.first()).toBeVisible()
  const picture = pictured.first().locator('img')
  await expect(picture).toHaveAttribute('src', /^blob:http:\/\/127\.0\.0\.1:\d+\//)
  // Lazy-loaded: the row must be on screen for the image to load.
  await picture.scrollIntoViewIfNeeded()
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0)
})
