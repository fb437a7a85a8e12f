import { describe, expect, it, jest } from '@jest/globals';
import { LivenessCaptureError } from '../../widget/src/liveness-contract';
import { LivenessLoader, LivenessUnavailableError, captureErrorCode } from '../../widget/src/liveness-loader';

/** A real ES module the loader's own import() can fetch without a server. */
const moduleUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;

describe('LivenessLoader', () => {
  // The loader says on the console why the chunk is unavailable; the tests check what it throws.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);

  it('imports the chunk once per page and hands out its runLiveness', async () => {
    const sut = new LivenessLoader(moduleUrl('export const runLiveness = () => "ran";'), 'https://verify.example/');

    const first = await sut.runner();
    expect(await sut.runner()).toBe(first);
    expect((first as unknown as () => string)()).toBe('ran');
  });

  it.each([
    ['a chunk that does not parse', 'export const runLiveness = ('],
    ['a chunk without runLiveness', 'export const run = () => 1;'],
    ['a runLiveness that is no function', 'export const runLiveness = 42;'],
  ])('answers liveness-unavailable for %s', async (_, source) => {
    const sut = new LivenessLoader(moduleUrl(source), 'https://verify.example/');

    const error = await sut.runner().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LivenessUnavailableError);
    expect((error as LivenessUnavailableError).code).toBe('liveness-unavailable');
  });

  it('forgets a failed import, so a retry fetches the chunk again', async () => {
    // The network fails once (as a browser's import() does offline), then the real import runs.
    const urls: string[] = [];
    const flaky = (url: string) =>
      urls.push(url) === 1 ? Promise.reject(new TypeError('Failed to fetch')) : import(url);
    const sut = new LivenessLoader(
      moduleUrl('export function runLiveness() { return "second try"; }'),
      'https://verify.example/',
      flaky,
    );
    await expect(sut.runner()).rejects.toBeInstanceOf(LivenessUnavailableError);

    const runLiveness = (await sut.runner()) as unknown as () => string;
    expect(runLiveness()).toBe('second try');
    // A browser keeps the failed URL's module map entry: the retry asks under a fragment of its own.
    expect(urls).toEqual([sut.chunkUrl, `${sut.chunkUrl}#retry-1`]);
  });
});

describe('captureErrorCode', () => {
  it('recognises the chunk’s capture errors by shape, since the chunk throws its own copy of the class', () => {
    class ChunkCopyOfCaptureError extends Error {
      readonly code = 'camera-denied';
    }

    expect(captureErrorCode(new LivenessCaptureError('face-lost'))).toBe('face-lost');
    expect(captureErrorCode(new ChunkCopyOfCaptureError())).toBe('camera-denied');
  });

  it('recognises nothing else', () => {
    expect(captureErrorCode(Object.assign(new Error('x'), { code: 'network-error' }))).toBeNull();
    expect(captureErrorCode({ code: 'camera-denied' })).toBeNull();
    expect(captureErrorCode(new TypeError('boom'))).toBeNull();
    expect(captureErrorCode(null)).toBeNull();
  });
});
