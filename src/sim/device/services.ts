/**
 * The lockdown services a virtual iPhone offers and the ports StartService hands out for them.
 * A port stays valid until the phone is unplugged (its tunnels and ports are then forgotten).
 */
export type ServiceKind = 'afc' | 'crash-copy' | 'crash-mover' | 'diagnostics'

/** Service names → what serves them (protocol.md §2.7). */
export const SERVICE_NAMES: Record<string, ServiceKind> = {
  'com.apple.afc': 'afc',
  'com.apple.crashreportcopymobile': 'crash-copy',
  'com.apple.crashreportmover': 'crash-mover',
  'com.apple.mobile.diagnostics_relay': 'diagnostics',
  // The older name idevicediagnostics tries second.
  'com.apple.iosdiagnostics.relay': 'diagnostics',
}

export const LOCKDOWN_PORT = 62078
const FIRST_DYNAMIC_PORT = 49152

export class ServicePorts {
  private readonly ports = new Map<number, ServiceKind>()
  private next = FIRST_DYNAMIC_PORT

  /** A fresh port for a service name, or undefined if the phone has no such service. */
  start(name: string): number | undefined {
    const kind = SERVICE_NAMES[name]
    if (!kind) return undefined
    const port = this.next
    this.next = this.next >= 65000 ? FIRST_DYNAMIC_PORT : this.next + 1
    this.ports.set(port, kind)
    return port
  }

  lookup(port: number): ServiceKind | 'lockdown' | undefined {
    return port === LOCKDOWN_PORT ? 'lockdown' : this.ports.get(port)
  }

  clear(): void {
    this.ports.clear()
  }
}
