/** AFC operation codes, Apple's names beside the wire values (protocol.md §4.2; libimobiledevice src/afc.h). */
export const AfcOp = {
  Invalid: 0x00,
  Status: 0x01, // reply
  Data: 0x02, // reply
  ReadDir: 0x03,
  ReadFile: 0x04,
  WriteFile: 0x05,
  WritePart: 0x06,
  TruncateFile: 0x07,
  RemovePath: 0x08,
  MakeDir: 0x09,
  GetFileInfo: 0x0a,
  GetDeviceInfo: 0x0b,
  WriteFileAtomic: 0x0c,
  FileRefOpen: 0x0d,
  FileRefOpenResult: 0x0e, // reply
  FileRefRead: 0x0f,
  FileRefWrite: 0x10,
  FileRefSeek: 0x11,
  FileRefTell: 0x12,
  FileRefTellResult: 0x13, // reply
  FileRefClose: 0x14,
  FileRefSetFileSize: 0x15,
  GetConnectionInfo: 0x16,
  SetConnectionOptions: 0x17,
  RenamePath: 0x18,
  SetFSBlockSize: 0x19,
  SetSocketBlockSize: 0x1a,
  FileRefLock: 0x1b,
  MakeLink: 0x1c,
  GetFileHash: 0x1d,
  SetModTime: 0x1e,
  GetFileHashWithRange: 0x1f,
  FileRefSetImmutableHint: 0x20,
  GetSizeOfPathContents: 0x21,
  RemovePathAndContents: 0x22,
  DirectoryEnumeratorRefOpen: 0x23,
  DirectoryEnumeratorRefOpenResult: 0x24,
  DirectoryEnumeratorRefRead: 0x25,
  DirectoryEnumeratorRefClose: 0x26,
  FileRefReadWithOffset: 0x27,
  FileRefWriteWithOffset: 0x28,
} as const

export type AfcOpCode = (typeof AfcOp)[keyof typeof AfcOp]

/** FileRefOpen modes (protocol.md §4.4). */
export const AfcOpenMode = {
  RDONLY: 1,
  RW: 2,
  WRONLY: 3,
  WR: 4,
  APPEND: 5,
  RDAPPEND: 6,
} as const

/** Seek whence: the C constants, 0/1/2 everywhere. */
export const AfcWhence = { SET: 0, CUR: 1, END: 2 } as const
