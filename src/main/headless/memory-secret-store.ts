import type { SecretStore } from '../engine/ports.js'

/** Secrets that live only as long as the process: right for `cradle demo`, whose library is thrown away too. */
export function memorySecretStore(): SecretStore {
  const values = new Map<string, string>()
  return {
    get: async (key) => values.get(key),
    set: async (key, value) => void values.set(key, value),
    delete: async (key) => void values.delete(key),
  }
}
