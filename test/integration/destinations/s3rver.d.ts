// s3rver 3.7.1 ships no types; only what the tests and bench use.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net'
  export default class S3rver {
    constructor(options: { port?: number; address?: string; directory: string; silent?: boolean; resetOnClose?: boolean; configureBuckets?: { name: string }[] })
    run(): Promise<AddressInfo>
    close(): Promise<void>
    on(event: 'event', listener: (e: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => void): this
  }
}
