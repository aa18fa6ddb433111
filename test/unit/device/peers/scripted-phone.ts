/**
 * The scripted peers put together: a usbmuxd with one phone whose port 62078 is the scripted
 * lockdownd and whose AFC port is the scripted AFC service. Enough to test connectDevice and
 * the CLI in unit tests; the integration tests use the real simulator (src/sim).
 */
import tls from 'node:tls'
import { AfcPeer, type AfcPeerOptions, type Tree } from './afc-peer.js'
import { deviceKeys, serveLockdown, type LockdownScript } from './lockdown-peer.js'
import { attached, frame, result, startScriptedMux, type ScriptedMux } from './scripted-mux.js'

export const AFC_PORT = 49152

export interface ScriptedPhone {
  mux: ScriptedMux
  records: Map<string, Buffer>
  afcPeers: AfcPeer[]
  close(): Promise<void>
}

export async function startScriptedPhone(opts: { udid: string; deviceId: number; script: LockdownScript; tree?: Tree; afc?: AfcPeerOptions; afcSsl?: boolean; records?: Map<string, Buffer> }): Promise<ScriptedPhone> {
  const keys = await deviceKeys()
  const records = opts.records ?? new Map<string, Buffer>()
  const afcPeers: AfcPeer[] = []
  const mux = await startScriptedMux((req) => {
    switch (req.MessageType) {
      case 'ListDevices':
        return { reply: { DeviceList: [attached(opts.deviceId, opts.udid)] } }
      case 'ReadBUID':
        return { reply: { BUID: 'BUID-OF-THIS-HOST' } }
      case 'ReadPairRecord': {
        const r = records.get(String(req.PairRecordID))
        return { reply: r ? { PairRecordData: r } : result(2) }
      }
      case 'SavePairRecord':
        records.set(String(req.PairRecordID), req.PairRecordData as Buffer)
        return { reply: result(0) }
      case 'DeletePairRecord':
        records.delete(String(req.PairRecordID))
        return { reply: result(0) }
      case 'Connect': {
        if (req.DeviceID !== opts.deviceId) return { reply: result(2) }
        const port = ((Number(req.PortNumber) & 0xff) << 8) | ((Number(req.PortNumber) >> 8) & 0xff)
        if (port === 62078) return { takeover: (socket, tag) => { socket.write(frame(result(0), tag)); serveLockdown(socket, opts.script, keys) } }
        if (port === AFC_PORT) {
          return {
            takeover: (socket, tag) => {
              socket.write(frame(result(0), tag))
              if (!opts.afcSsl) return void afcPeers.push(new AfcPeer(socket, opts.tree ?? {}, opts.afc))
              const t = new tls.TLSSocket(socket, { isServer: true, cert: keys.certPem, key: keys.privateKeyPem, requestCert: true, rejectUnauthorized: false })
              t.on('error', () => undefined)
              afcPeers.push(new AfcPeer(t, opts.tree ?? {}, opts.afc))
            },
          }
        }
        return { reply: result(3) }
      }
      default:
        return { reply: result(1) }
    }
  })
  return { mux, records, afcPeers, close: () => mux.close() }
}
