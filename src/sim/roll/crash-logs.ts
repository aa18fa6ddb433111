/**
 * A small, realistic crash-log folder for com.apple.crashreportcopymobile: .ips reports, a
 * .plist report with a `description` (idevicecrashreport -e extracts it to .crash), a subfolder
 * (Retired/), and a "Latest" symlink (served with LinkTarget). Deterministic content.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { encodeXmlPlist } from '../../main/device/plist/plist-codec.js'

export async function writeCrashLogs(dir: string, productType = 'iPhone14,5'): Promise<string[]> {
  await fs.mkdir(path.join(dir, 'Retired'), { recursive: true })
  const files: [string, string | Buffer][] = [
    ['JetsamEvent-2024-03-01-101112.ips', ips('JetsamEvent', '2024-03-01 10:11:12.00 +0100', productType)],
    ['Photos-2024-03-02-080910.ips', ips('Photos', '2024-03-02 08:09:10.00 +0100', productType)],
    ['Retired/SpringBoard-2023-12-24-181920.ips', ips('SpringBoard', '2023-12-24 18:19:20.00 +0100', productType)],
    [
      'Camera-2024-02-29-235959.plist',
      encodeXmlPlist({
        bug_type: '109',
        name: 'Camera',
        os_version: 'iPhone OS 17.5.1 (21F90)',
        description: `Incident Identifier: 5D6F3E1A-0000-4C2B-9E7D-CRADLE000001\nHardware Model: ${productType}\nProcess: Camera [412]\nException Type: EXC_CRASH (SIGABRT)\n`,
      }),
    ],
  ]
  for (const [name, body] of files) await fs.writeFile(path.join(dir, name), body)
  await fs.rm(path.join(dir, 'LatestCrash-Photos.ips'), { force: true })
  await fs.symlink('Photos-2024-03-02-080910.ips', path.join(dir, 'LatestCrash-Photos.ips'))
  return files.map(([n]) => n)
}

function ips(proc: string, time: string, productType: string): string {
  const head = JSON.stringify({ app_name: proc, timestamp: time, bug_type: '298', os_version: 'iPhone OS 17.5.1 (21F90)', name: proc })
  const body = JSON.stringify({ product: productType, incident: `CRADLE-${proc}`, largestProcess: proc, processes: [{ name: proc, rpages: 1234, states: ['frontmost'] }] }, null, 2)
  return `${head}\n${body}\n`
}
