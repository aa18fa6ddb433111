/**
 * Each destination row shows its space against `cradle demo`: a folder its disk's free and total
 * (statfs), Immich (the fake, written from Immich's API) the user's quota, in amber once little is
 * left, and both refreshed when a batch of uploads is up.
 */
import { startFakeImmich, type FakeImmich } from '../../fakes/fake-immich-server.js'
import { expect, test } from '../fixtures/app.js'

let immich: FakeImmich | null = null
test.afterEach(async () => {
  await immich?.close()
  immich = null
})

test('destination rows show free space or quota, and a quota nearly used up in amber', async ({ page, cradle }) => {
  immich = await startFakeImmich({ keys: { k: ['asset.upload', 'asset.read', 'user.read', 'server.storage'] }, quotaBytes: 50e9 })
  const app = await cradle.start({ photos: 10, attached: true })
  await app.addFolderDestination('Backup disk')
  await app.addImmichDestination('Home Immich', immich.url, 'k')
  await page.goto(app.url)
  await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })

  const disk = page.getByRole('listitem', { name: 'Backup disk' }).getByTestId('destination-space')
  await expect(disk).toHaveText(/^[\d.,]+ (MB|GB|TB) free of [\d.,]+ (GB|TB)/)
  const quota = page.getByRole('listitem', { name: 'Home Immich' }).getByTestId('destination-space')
  // Measured again once the batch is up: the usage is what Immich now holds.
  await expect(quota).toHaveText(/^Quota: [\d.,]+ (KB|MB) of 50 GB used$/, { timeout: 60_000 })
  await expect(quota).not.toHaveClass(/tone-text-attention/)

  // An admin lowers the quota to just above what is used: "Test" measures it again, in amber.
  const used = [...immich.assets.values()].reduce((n, a) => n + a.data.length, 0)
  immich.setQuota(used + 200e6)
  await page.getByRole('listitem', { name: 'Home Immich' }).getByRole('button', { name: 'Test Home Immich' }).click()
  await expect(quota).toHaveText(/^Quota: [\d.,]+ (KB|MB) of [\d.,]+ MB used — almost full; uploads stop when it is full$/)
  await expect(quota).toHaveClass(/tone-text-attention/)
})
