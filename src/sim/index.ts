/** The virtual iPhone, as a library (see src/sim/README.md). */
export { startSimulator, type Simulator, type SimulatorOptions, type SimDeviceOptions } from './simulator.js'
export type { VirtualDevice } from './device/virtual-device.js'
export type { TrustMode } from './device/trust.js'
export type { BatteryState, DiskState } from './device/device-info.js'
export { USB2_LINK, type LinkFaults, type LinkClock } from './link/device-link.js'
export type { UnreadableOptions } from './afc/unreadable.js'
export type { CameraRollOptions, CameraRollManifest } from './roll/generator.js'
export { parseSocketAddress, formatSocketAddress, type SocketAddress } from './address.js'
