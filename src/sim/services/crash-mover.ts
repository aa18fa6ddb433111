/**
 * com.apple.crashreportmover: the phone moves its crash logs to where crashreportcopymobile
 * serves them, then sends the four bytes "ping". idevicecrashreport (libimobiledevice 1.3.0
 * tools/idevicecrashreport.c) waits for exactly that before it starts the copy service.
 */
import type { Tunnel } from '../link/device-link.js'

export function serveCrashMover(tunnel: Tunnel): void {
  // Anything the host sends is ignored; the host closes the connection after the ping.
  tunnel.socket.on('data', () => undefined)
  void tunnel.send([Buffer.from('ping', 'ascii')])
}
