/**
 * The phone's own RSA key pair. Lockdown hands out the public half as DevicePublicKey (PEM
 * PKCS#1 "RSA PUBLIC KEY", protocol.md §3.2); the host wraps it in the DeviceCertificate, and
 * the phone serves TLS with that certificate and the private half.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto'

export interface DeviceKeys {
  privateKeyPem: string
  /** PEM PKCS#1, as GetValue DevicePublicKey returns it. */
  publicKeyPkcs1Pem: string
  publicKey: KeyObject
}

/** RSA 2048 (what iPhones use); generated off the main thread. */
export async function generateDeviceKeys(): Promise<DeviceKeys> {
  const { publicKey, privateKey } = await new Promise<{ publicKey: KeyObject; privateKey: KeyObject }>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 65537 }, (err, pub, priv) => (err ? reject(err) : resolve({ publicKey: pub, privateKey: priv }))),
  )
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPkcs1Pem: publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })),
  }
}

/** Keys from a given private key (PEM, PKCS#1 or PKCS#8): tests use a fixed one with pre-made certificates. */
export function deviceKeysFromPem(privateKeyPem: string): DeviceKeys {
  const privateKey = createPrivateKey(privateKeyPem)
  const publicKey = createPublicKey(privateKey)
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPkcs1Pem: publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey,
  }
}
