/**
 * A refused key is fixed where it is shown, against `cradle demo` and the fake Immich (written from
 * Immich's API; a wrong x-api-key gets 401): the row says the key was refused, its "Update key"
 * button opens the filled-in form, and the new key makes the photos go up.
 */
import { describeError } from '../../../src/shared/error-text.js'
import { startFakeImmich, type FakeImmich } from '../../fakes/fake-immich-server.js'
import { expect, test } from '../fixtures/app.js'

let immich: FakeImmich | null = null
test.afterEach(async () => {
  await immich?.close()
  immich = null
})

test('a wrong Immich key: the row names the fix, "Update key" opens the filled-in form, the new key uploads', async ({ page, cradle }) => {
  immich = await startFakeImmich()
  const app = await cradle.start({ photos: 10, attached: true })
  await page.goto(app.url)
  await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })

  await page.getByRole('button', { name: 'Add destination' }).click()
  const add = page.getByRole('dialog', { name: 'Add a destination' })
  await add.getByLabel('Name').fill('Home Immich')
  await add.getByLabel('Server address').fill(immich.url)
  await add.getByLabel('API key').fill('wrong-key')
  await add.getByRole('button', { name: 'Save' }).click()

  const refused = describeError('destination-auth', { destinationName: 'Home Immich', destinationKind: 'immich' })
  const row = page.getByRole('listitem', { name: 'Home Immich' })
  await expect(row.getByTestId('destination-detail')).toHaveText(`${refused.title}. ${refused.action}`)
  expect(immich.assets.size).toBe(0)

  await row.getByRole('button', { name: 'Update key for Home Immich' }).click()
  const edit = page.getByRole('dialog', { name: 'Edit Home Immich' })
  await expect(edit.getByLabel('Server address')).toHaveValue(immich.url)
  await expect(edit.getByLabel('API key')).toHaveValue('')
  await expect(edit.getByLabel('API key')).toHaveAttribute('placeholder', 'unchanged')
  await expect(edit.getByLabel('API key')).toBeFocused()
  await edit.getByLabel('API key').fill('test-key')
  await edit.getByRole('button', { name: 'Test connection' }).click()
  await expect(edit.getByTestId('test-result')).toHaveText(/^Home Immich /)
  await edit.getByRole('button', { name: 'Save' }).click()
  await expect(edit).toHaveCount(0)

  await expect(row).toContainText(/Ready · \d+ uploaded/, { timeout: 60_000 })
  await expect(row.getByRole('button', { name: 'Edit Home Immich' })).toBeVisible()
  const dest = (await app.state()).destinations.find((d) => d.name === 'Home Immich')!
  expect(dest).toMatchObject({ problem: null, counts: { failed: 0, pending: 0 } })
  // Counted in photos and videos, as the phone's card: every one safe is there; Immich holds a
  // file per asset (a Live Photo's still and video are two), so at least as many.
  expect(dest.counts.done).toBe(app.truth.photosOnPhone - app.truth.notOnPhone)
  expect(immich.assets.size).toBeGreaterThanOrEqual(dest.counts.done)
})
