/**
 * Liveness v2's keys and MACs in Node (the message formats are src/protocol/liveness-plan.ts's). Shared by
 * the service and the reference client; the widget computes the same with WebCrypto.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { frameMacMessage, stepKeyMessage } from '../../protocol/liveness-plan';

/** A step's frame key: HMAC-SHA256(seed bytes, stepKeyMessage(index)), base64url. */
export function deriveStepKey(seedHex: string, stepIndex: number): string {
  return createHmac('sha256', Buffer.from(seedHex, 'hex')).update(stepKeyMessage(stepIndex)).digest('base64url');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A frame's MAC: HMAC-SHA256(step key bytes, frameMacMessage(...)), base64url. */
export function frameMac(stepKey: string, attempt: string, stepIndex: number, i: number, t: number, jpeg: Uint8Array) {
  const message = frameMacMessage(attempt, stepIndex, i, t, sha256Hex(jpeg));
  return createHmac('sha256', Buffer.from(stepKey, 'base64url')).update(message).digest('base64url');
}

/** Compares a received MAC with the expected one in constant time (both are 43 base64url characters). */
export function macMatches(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'base64url');
  const b = Buffer.from(received, 'base64url');
  return a.length === b.length && timingSafeEqual(a, b);
}
