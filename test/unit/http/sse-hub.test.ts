import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { SseHub, stateFrame } from '../../../src/main/headless/http/sse-hub.js'
import { ScriptedEngine } from '../../fakes/scripted-engine.js'

/** A response whose socket is "full" until drain() — what a slow window looks like to the server. */
class SlowResponse extends EventEmitter {
  written: string[] = []
  full = false
  writableEnded = false
  destroyed = false
  headers: Record<string, string> = {}
  writeHead(_status: number, headers: Record<string, string>): this {
    this.headers = headers
    return this
  }
  write(chunk: string): boolean {
    this.written.push(chunk)
    return !this.full
  }
  end(): void {
    this.writableEnded = true
    this.emit('close')
  }
  drain(): void {
    this.full = false
    this.emit('drain')
  }
}

describe('SseHub', () => {
  it('keeps only the newest snapshot for a client whose socket is full', () => {
    const engine = new ScriptedEngine({ autoTick: false })
    const hub = new SseHub(engine, 60_000)
    const res = new SlowResponse()
    hub.attach(res as unknown as ServerResponse, {})
    expect(res.headers['Content-Type']).toContain('text/event-stream')
    expect(res.written).toHaveLength(1)
    res.full = true
    engine.tick() // written, but the socket reports full
    expect(res.written).toHaveLength(2)
    engine.tick()
    engine.tick()
    engine.tick()
    expect(res.written).toHaveLength(2) // nothing queued while full
    res.drain()
    expect(res.written).toHaveLength(3)
    expect(res.written[2]).toBe(stateFrame(engine.current())) // the newest, not the ones in between
    res.end()
    expect(hub.size).toBe(0)
    engine.stop()
  })

  it('formats a frame the SSE way', () => {
    const engine = new ScriptedEngine({ autoTick: false })
    const frame = stateFrame(engine.current())
    expect(frame).toMatch(/^event: state\nid: \d+\ndata: \{.*\}\n\n$/s)
    expect(frame.split('\n').length).toBe(5) // JSON has no raw newlines to break the frame
    engine.stop()
  })
})
