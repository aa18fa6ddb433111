/**
 * The device layer's public API (see README.md). Everything the engine and the CLI need to find
 * phones, pair with them and pull files; the codecs stay importable from their own modules.
 */
export { parseMuxAddress, resolveMuxAddress, formatMuxAddress, defaultMuxAddress, type MuxAddress } from './usbmux/address.js'
export { MuxClient, type MuxClientOptions, type MuxEvent, type MuxListenHandle } from './usbmux/mux-client.js'
export { preferUsb, type MuxDevice } from './usbmux/device-list.js'
export { watchDevices, DeviceWatcher, type DeviceEvent, type WatchOptions } from './usbmux/device-watcher.js'
export { LockdownClient, LOCKDOWN_PORT, type ServiceEndpoint } from './lockdown/lockdown-client.js'
export { pairDevice, type TrustState, type PairOptions } from './lockdown/pairing.js'
export { parsePairRecord, encodePairRecord, type PairRecord } from './lockdown/pair-record.js'
export { generatePairCertificates, type PairCertificates } from './lockdown/certificates.js'
export { marketingName } from './lockdown/device-models.js'
export type { DeviceInfo, BatteryInfo, DiskUsage } from './lockdown/device-values.js'
export { AfcClient, parseAfcStat, type AfcStat, type AfcDeviceInfo, type AfcFileType } from './afc/afc-client.js'
export type { AfcEntry, WalkOptions, WalkResult } from './afc/afc-walk.js'
export type { DownloadOptions, DownloadResult } from './afc/afc-download.js'
export { connectDevice, AFC_SERVICE, type ConnectOptions, type DeviceSession } from './session/connect-device.js'
export type { CallOptions } from './io/deadline.js'
export type { Channel } from './io/channel.js'
export { defaultTlsRuntime, detectTlsRuntime, emulateBoringSsl, setDefaultTlsRuntime, type TlsRuntime } from './io/tls-runtime.js'
