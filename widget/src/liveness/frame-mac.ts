/**
 * The frame MAC of liveness v2 with WebCrypto: HMAC-SHA256 under the step's key (revealed with the step,
 * base64url) over frameMacMessage(attempt, step, i, t, hex SHA-256 of the JPEG). The key ties each frame
 * to this attempt's step, so frames of another session cannot be filed again.
 */
import { frameMacMessage } from '../../../src/protocol/liveness-plan';

export function importStepKey(keyBase64url: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', fromBase64url(keyBase64url), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
}

export async function frameMac(
  key: CryptoKey,
  frame: { attempt: string; step: number; i: number; t: number; jpeg: Uint8Array<ArrayBuffer> },
): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', frame.jpeg));
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  const message = new TextEncoder().encode(frameMacMessage(frame.attempt, frame.step, frame.i, frame.t, hex));
  return toBase64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, message)));
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x2000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  return btoa(binary);
}

export function toBase64url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
