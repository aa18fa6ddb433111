import { describe, expect, it } from 'vitest'
import { AfcTree, PathEscapeError } from '../../../src/sim/afc/afc-tree.js'

const tree = new AfcTree([{ at: '/DCIM', dir: '/srv/dcim', readOnly: true }], ['/Downloads'])

describe('AfcTree paths', () => {
  it('normalises relative, absolute, dotted and doubled paths', () => {
    expect(tree.normalise('')).toBe('/')
    expect(tree.normalise('.')).toBe('/')
    expect(tree.normalise('DCIM//100APPLE/./IMG_0001.HEIC')).toBe('/DCIM/100APPLE/IMG_0001.HEIC')
    expect(tree.normalise('/DCIM/100APPLE/../101APPLE/')).toBe('/DCIM/101APPLE')
  })

  it('refuses .. above the root', () => {
    expect(() => tree.normalise('..')).toThrow(PathEscapeError)
    expect(() => tree.normalise('/DCIM/../../etc/passwd')).toThrow(PathEscapeError)
  })

  it('maps mounts to host folders and lists virtual folders', async () => {
    expect(await tree.resolve('/')).toEqual({ kind: 'virtual', vpath: '/', children: ['DCIM', 'Downloads'] })
    expect(await tree.resolve('Downloads')).toEqual({ kind: 'virtual', vpath: '/Downloads', children: [] })
    expect(await tree.resolve('/DCIM/100APPLE/IMG_0001.HEIC')).toMatchObject({ kind: 'real', real: '/srv/dcim/100APPLE/IMG_0001.HEIC' })
    expect(await tree.resolve('/DCIM')).toMatchObject({ kind: 'real', real: '/srv/dcim' })
    expect(await tree.resolve('/DCIMX')).toEqual({ kind: 'missing', vpath: '/DCIMX' })
  })
})
