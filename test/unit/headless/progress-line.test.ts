import { describe, expect, it } from 'vitest'
import { renderProgressLine } from '../../../src/main/headless/cli/progress-line.js'

const progress = { itemsDone: 1204, itemsTotal: 3511, bytesDone: 4.2e9, bytesTotal: 9.8e9, currentFile: 'IMG_4471.HEIC', bytesPerSecond: 31e6, secondsLeft: 243, startedAt: 0 }

describe('progress line', () => {
  it('shows bar, counts, bytes, speed, time left and the file', () => {
    expect(renderProgressLine("Anna's iPhone", progress, 200)).toBe(
      "Anna's iPhone [█████████░░░░░░░░░░░] 1,204/3,511 · 4.2 GB of 9.8 GB · 31 MB/s · about 4 min left · IMG_4471.HEIC",
    )
  })

  it('fits the terminal width', () => {
    expect(renderProgressLine("Anna's iPhone", progress, 40)).toHaveLength(40)
  })

  it('leaves out speed and time left before they are known', () => {
    expect(renderProgressLine('P', { ...progress, bytesPerSecond: 0, secondsLeft: null, currentFile: null }, 200)).toBe('P [█████████░░░░░░░░░░░] 1,204/3,511 · 4.2 GB of 9.8 GB')
  })
})
