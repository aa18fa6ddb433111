import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../../src/renderer/transport/backoff.js'
import { SseParser } from '../../../src/renderer/transport/sse-parser.js'

describe('SseParser', () => {
  it('parses a stream split anywhere, with comments and multi-line data', () => {
    const stream = 'retry: 1000\n\n: keep-alive\n\nevent: state\nid: 7\ndata: {"a":\ndata: 1}\n\ndata: plain\n\n'
    for (let cut = 0; cut < stream.length; cut++) {
      const p = new SseParser()
      const events = [...p.feed(stream.slice(0, cut)), ...p.feed(stream.slice(cut))]
      expect(events, `cut at ${cut}`).toEqual([
        { event: 'state', data: '{"a":\n1}', id: '7' },
        { event: 'message', data: 'plain', id: '7' },
      ])
      expect(p.retryMs).toBe(1000)
    }
  })

  it('accepts CRLF and CR line ends, even split between chunks', () => {
    const p = new SseParser()
    expect(p.feed('data: x\r')).toEqual([])
    expect(p.feed('\n\r\ndata: y\r\r')).toEqual([{ event: 'message', data: 'x', id: null }, { event: 'message', data: 'y', id: null }])
  })

  it('ignores unknown fields and events without data', () => {
    const p = new SseParser()
    expect(p.feed('event: state\n\nfoo: bar\ndata\n\n')).toEqual([{ event: 'message', data: '', id: null }])
  })
})

describe('backoff', () => {
  it('doubles up to the cap, with jitter in the upper half', () => {
    const opts = { baseMs: 100, maxMs: 1000 }
    expect(backoffDelay(0, opts, () => 0)).toBe(50)
    expect(backoffDelay(0, opts, () => 1)).toBe(100)
    expect(backoffDelay(3, opts, () => 1)).toBe(800)
    expect(backoffDelay(10, opts, () => 1)).toBe(1000)
    expect(backoffDelay(1000, opts, () => 0.5)).toBe(750)
  })
})
