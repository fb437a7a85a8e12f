import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { synthEvidence } from '../../src/liveness/eval/synthesise';
import { LivenessService } from '../../src/liveness/liveness.service';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const NONCE = '00112233445566778899aabbccddeeff';

// The liveness checks hold no rows: one database kind is enough to see the module run inside the app.
describe('liveness inside the service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t?.close());

  it('verifies an attempt with the shipped models, bound to its challenge nonce', async () => {
    const jpeg = new JpegAdapter();
    const image = jpeg.decode(fs.readFileSync(path.resolve('test/fixtures/faces/image_T1.jpg')));
    // The face box of image_T1 as UltraFace finds it (480×640 after EXIF rotation).
    const face = { x: 122, y: 108, w: 175, h: 251 };
    const sut = t.app.get(LivenessService);
    const live = await sut.verify(synthEvidence(jpeg, image, face, NONCE), NONCE);
    expect(live).toMatchObject({ passed: true, reasons: [] });
    const replayed = await sut.verify(synthEvidence(jpeg, image, face, NONCE), 'ffffffffffffffffffffffffffffffff');
    expect(replayed.passed).toBe(false);
    expect(replayed.reasons).toContain('nonce-mismatch');
  });
});
