/**
 * Failing destinations against `cradle demo`: real destination modules failing for real reasons
 * (nothing listens at the address; the folder is a file). The window shows the reason in the words
 * of src/shared/error-text.ts, and what Cradle does about it.
 */
import { writeFileSync } from 'node:fs'
import { describeError } from '../../../src/shared/error-text.js'
import { expect, test } from '../fixtures/app.js'
import { screenshot } from '../fixtures/page-helpers.js'

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

test('a destination that cannot be reached says why, and that it retries by itself', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 20, attached: true })
  await page.goto(app.url)
  await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  await app.failDestination('Home Immich', 'destination-unreachable')

  const unreachable = describeError('destination-unreachable', { destinationName: 'Home Immich' })
  const row = page.getByRole('listitem', { name: 'Home Immich' })
  await expect(row).toContainText('Waiting')
  await expect(row.getByTestId('destination-detail')).toHaveText(new RegExp(`^${escape(unreachable.title)} — retrying in \\d+ s$`))
  await row.getByRole('button', { name: 'Test Home Immich' }).click()
  await expect(row.getByRole('status')).toHaveText(`${unreachable.title}. ${unreachable.action}`)
  // Nothing went up, and nothing was given up on: the photos wait for it (Immich takes no .AAE sidecars).
  const dest = (await app.state()).destinations.find((d) => d.name === 'Home Immich')!
  expect(dest.counts).toMatchObject({ done: 0, failed: 0 })
  expect(dest.counts.pending).toBeGreaterThan(app.truth.photosOnPhone / 2) // photos and videos, not files
  await screenshot(page, 'destination-waiting')
})

test('a folder destination that is not a folder stops, and says what to fix', async ({ page, cradle }, testInfo) => {
  const app = await cradle.start({ photos: 20, attached: true })
  const notAFolder = testInfo.outputPath('not-a-folder')
  writeFileSync(notAFolder, 'a file where the destination folder should be\n')
  await page.goto(app.url)
  await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })

  // Added through the window, as a person would: the test says what is wrong before saving.
  await page.getByRole('button', { name: 'Add destination' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a destination' })
  await dialog.getByLabel('Kind').selectOption('folder')
  await dialog.getByLabel('Name').fill('NAS')
  await dialog.getByLabel('Folder', { exact: true }).fill(notAFolder)
  await dialog.getByRole('button', { name: 'Test connection' }).click()
  const config = describeError('destination-config', { destinationName: 'NAS' })
  await expect(dialog.getByTestId('test-result')).toHaveText(`${config.title}. ${config.action}`)
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog).toHaveCount(0)

  const row = page.getByRole('listitem', { name: 'NAS' })
  await expect(row).toContainText(`Another folder · ${notAFolder}`)
  await expect(row).toContainText('Stopped')
  await expect(row.getByTestId('destination-detail')).toHaveText(`${config.title}. ${config.action}`)
  await expect(page.getByTestId('headline')).toHaveText(`${config.title} — ${config.action}`)
  await screenshot(page, 'destination-failing')
})
