/** AFC status codes: the u64 payload of a Status reply (protocol.md §4.3; libimobiledevice afc.h). */
export const AfcStatus = {
  SUCCESS: 0,
  UNKNOWN_ERROR: 1,
  OP_HEADER_INVALID: 2,
  NO_RESOURCES: 3,
  READ_ERROR: 4,
  WRITE_ERROR: 5,
  UNKNOWN_PACKET_TYPE: 6,
  INVALID_ARG: 7,
  OBJECT_NOT_FOUND: 8,
  OBJECT_IS_DIR: 9,
  PERM_DENIED: 10,
  SERVICE_NOT_CONNECTED: 11,
  OP_TIMEOUT: 12,
  TOO_MUCH_DATA: 13,
  END_OF_DATA: 14,
  OP_NOT_SUPPORTED: 15,
  OBJECT_EXISTS: 16,
  OBJECT_BUSY: 17,
  NO_SPACE_LEFT: 18,
  OP_WOULD_BLOCK: 19,
  IO_ERROR: 20,
  OP_INTERRUPTED: 21,
  OP_IN_PROGRESS: 22,
  INTERNAL_ERROR: 23,
  DIR_NOT_EMPTY: 33,
} as const

export type AfcStatusCode = (typeof AfcStatus)[keyof typeof AfcStatus]

const NAMES = new Map<number, string>(Object.entries(AfcStatus).map(([name, code]) => [code, name]))

export function afcStatusName(code: number): string {
  return NAMES.get(code) ?? `AFC_STATUS_${code}`
}
