import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { loadConfig } from '../../src/config/app-config';

const MODEL = path.join(loadConfig({}).modelsDir, 'face_detection_front_128x128_barracuda.onnx');
const FEEDS = { 'input:0': { data: new Float32Array(128 * 128 * 3), dims: [1, 128, 128, 3] } };

describe('OnnxAdapter', () => {
  let adapter: OnnxAdapter | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    await adapter?.release();
  });

  it('runs a model and returns every output as a Float32Array', async () => {
    adapter = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1 });
    await adapter.load('blazeface', MODEL);
    const outputs = await adapter.run('blazeface', FEEDS);
    expect(Object.keys(outputs).sort()).toEqual(['Identity:0', 'Identity_1:0', 'Identity_2:0', 'Identity_3:0']);
    expect(outputs['Identity:0']).toBeInstanceOf(Float32Array);
    expect(outputs['Identity:0']).toHaveLength(512);
    expect(outputs['Identity_3:0']).toHaveLength(384 * 16);
  });

  it('creates one session for concurrent loads of the same model, from a path or from bytes', async () => {
    adapter = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 2 });
    const bytes = fs.readFileSync(MODEL);
    await Promise.all([adapter.load('a', bytes), adapter.load('a', bytes), adapter.load('a', MODEL)]);
    await adapter.load('a', bytes);
    // One session in each of the two worker threads.
    expect(adapter.sessionCount).toBe(2);
    const [first, second] = await Promise.all([adapter.run('a', FEEDS), adapter.run('a', FEEDS)]);
    expect(first['Identity:0']).toEqual(second['Identity:0']);
  });

  it('does not keep a failed load, so the next one tries again', async () => {
    adapter = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1 });
    await expect(adapter.load('m', '/nonexistent/model.onnx')).rejects.toThrow();
    expect(adapter.isLoaded('m')).toBe(false);
    await adapter.load('m', MODEL);
    expect(adapter.isLoaded('m')).toBe(true);
  });

  it('refuses to run a model that was never loaded, and forgets models on release', async () => {
    adapter = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1 });
    await expect(adapter.run('missing', FEEDS)).rejects.toThrow(/not loaded/);
    await adapter.load('m', MODEL);
    await adapter.release();
    expect(adapter.isLoaded('m')).toBe(false);
    await expect(adapter.run('m', FEEDS)).rejects.toThrow(/not loaded/);
  });

  it('falls back to cpu with a warning when CUDA cannot be loaded', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    adapter = new OnnxAdapter({ device: 'cuda', intraOpNumThreads: 1 });
    await adapter.load('m', MODEL);
    expect((await adapter.run('m', FEEDS))['Identity:0']).toHaveLength(512);
    if (adapter.device === 'cpu') {
      // No CUDA libraries on this machine (the usual case: the npm install skips them).
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/CUDA execution provider unavailable.*cpu/));
      await adapter.load('n', MODEL);
      expect(warn).toHaveBeenCalledTimes(1);
    } else {
      expect(warn).not.toHaveBeenCalled();
    }
  });
});
