/** Background delivery: logged, retried with pauses, never thrown into the caller, stopped by close(). */
import { describe, expect, it } from 'vitest'
import type { Logger, LogFields } from '../../../src/main/logging/logger.js'
import { deliveringNotifier, type NoticeChannel } from '../../../src/main/notifications/notice-delivery.js'
import type { Notice } from '../../../src/main/notifications/url-push.js'

function recordingLog(): Logger & { records: Array<{ level: string; msg: string; fields?: LogFields }> } {
  const records: Array<{ level: string; msg: string; fields?: LogFields }> = []
  const at = (level: string) => (msg: string, fields?: LogFields) => void records.push({ level, msg, ...(fields ? { fields } : {}) })
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger & { records: typeof records }
}

function flaky(failures: number): NoticeChannel & { calls: Notice[] } {
  const calls: Notice[] = []
  return {
    name: 'test',
    calls,
    async send(n) {
      calls.push(n)
      if (calls.length <= failures) throw new Error(`down ${calls.length}`)
    },
  }
}

describe('deliveringNotifier', () => {
  it('logs every notice, returns at once, and retries a failing channel until it works', async () => {
    const log = recordingLog()
    const channel = flaky(2)
    const n = deliveringNotifier({ log, channels: () => [channel], retryDelaysMs: [1, 1, 1] })
    expect(() => n.notify({ title: 'Backup finished', body: '1 photo is safe.', tag: 'finished:x' })).not.toThrow()
    expect(log.records[0]).toMatchObject({ level: 'info', msg: 'notification', fields: { title: 'Backup finished', body: '1 photo is safe.' } })
    await n.idle()
    expect(channel.calls).toHaveLength(3)
    expect(log.records.filter((r) => r.level === 'warn').map((r) => r.fields?.error)).toEqual(['down 1', 'down 2'])
    expect(log.records.at(-1)).toMatchObject({ level: 'info', msg: 'notification delivered', fields: { attempt: 3 } })
  })

  it('gives up after the last retry with an error in the log', async () => {
    const log = recordingLog()
    const channel = flaky(99)
    const n = deliveringNotifier({ log, channels: () => [channel], retryDelaysMs: [1, 1] })
    n.notify({ title: 't', body: 'b' })
    await n.idle()
    expect(channel.calls).toHaveLength(3)
    expect(log.records.at(-1)).toMatchObject({ level: 'error', msg: 'notification not delivered; giving up', fields: { attempts: 3, error: 'down 3' } })
  })

  it('close() cancels the waiting retries instead of holding the stop', async () => {
    const log = recordingLog()
    const channel = flaky(99)
    const n = deliveringNotifier({ log, channels: () => [channel], retryDelaysMs: [3_600_000] })
    n.notify({ title: 't', body: 'b' })
    await new Promise((r) => setImmediate(r))
    await n.close()
    expect(channel.calls).toHaveLength(1)
    expect(log.records.at(-1)).toMatchObject({ level: 'warn', msg: expect.stringMatching(/stopping, no more retries/) })
    n.notify({ title: 'after', body: 'b' })
    await n.idle()
    expect(channel.calls).toHaveLength(1)
  })

  it('a channel list that throws is logged, not thrown', () => {
    const log = recordingLog()
    const n = deliveringNotifier({ log, channels: () => { throw new Error('bad settings') } })
    expect(() => n.notify({ title: 't', body: 'b' })).not.toThrow()
    expect(log.records.at(-1)).toMatchObject({ level: 'error', msg: 'notification channels unavailable' })
  })
})
