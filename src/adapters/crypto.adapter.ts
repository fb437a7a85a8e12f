import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';

/** Randomness and hashing for business code; secrets are compared here in constant time. */
@Injectable()
export class CryptoAdapter {
  randomBytes(size: number): Buffer {
    return randomBytes(size);
  }

  /** URL-safe random string with `bytes` bytes of entropy. */
  randomToken(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }

  randomUuid(): string {
    return randomUUID();
  }

  /** Uniform integer in [min, max). */
  randomInt(min: number, max: number): number {
    return randomInt(min, max);
  }

  sha256Hex(value: string | Uint8Array): string {
    return createHash('sha256').update(value).digest('hex');
  }

  /**
   * Compares two strings in time independent of where they differ. Both sides are hashed first so
   * that their lengths, which timingSafeEqual would otherwise leak, do not matter.
   */
  constantTimeEqual(a: string, b: string): boolean {
    const left = createHash('sha256').update(a).digest();
    const right = createHash('sha256').update(b).digest();
    return timingSafeEqual(left, right);
  }
}
