/** Seeded randomness and byte mutations for the fuzz tests (mulberry32: small, deterministic). */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(max: number): number {
    return Math.floor(this.next() * max)
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x10, 0x28]
const BIG32 = [0xffffffff, 0x7fffffff, 0x80000000, 0x01000000, 16, 15, 0]

/** One random mutation of `input`: flips, interesting bytes, big lengths, truncation, splicing. */
export function mutate(rng: Rng, input: Buffer): Buffer {
  const b = Buffer.from(input)
  switch (rng.int(8)) {
    case 0: // flip a few bits
      for (let i = 0, n = 1 + rng.int(4); i < n && b.length; i++) b[rng.int(b.length)]! ^= 1 << rng.int(8)
      return b
    case 1: // interesting byte values
      for (let i = 0, n = 1 + rng.int(3); i < n && b.length; i++) b[rng.int(b.length)] = rng.pick(INTERESTING)
      return b
    case 2: // a big or tiny u32 somewhere (lengths live in the first bytes)
      if (b.length >= 4) {
        const at = rng.int(Math.min(b.length - 3, 24))
        if (rng.int(2)) b.writeUInt32LE(rng.pick(BIG32), at)
        else b.writeUInt32BE(rng.pick(BIG32), at)
      }
      return b
    case 3: // truncate
      return b.subarray(0, rng.int(b.length + 1))
    case 4: // append garbage
      return Buffer.concat([b, rng.bytes(rng.int(64))])
    case 5: // replace a slice with garbage
      if (b.length) rng.bytes(Math.min(8, b.length)).copy(b, rng.int(b.length))
      return b
    case 6: // duplicate a slice
      return Buffer.concat([b, b.subarray(rng.int(b.length + 1))])
    default: // pure garbage
      return rng.bytes(rng.int(200))
  }
}
