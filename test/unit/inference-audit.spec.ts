import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as path from 'node:path';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import type { InferenceAuditEvidence } from '../../src/protocol/inference-audit';
import { auditIndices, auditInference, inferenceAuditEvidenceSchema } from '../../src/protocol/inference-audit';
import { auditSample } from '../../src/protocol/audit-sample';
import { BLAZEFACE_OUTPUT_FORMAT, DEFAULT_TOLERANCE } from '../../src/protocol/inference-task';
import type { InferenceRunner } from '../../src/protocol/reference-solver';
import { solveTask } from '../../src/protocol/reference-solver';

const MODEL = { id: 'blazeface-front-128', sha256: 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51' };
const INPUT = { name: 'input:0', shape: [1, 128, 128, 3] };

// The peer's verdict on real onnxruntime-node with the shipped model: honest outputs reproduce, forged
// ones do not, and the score is the share of the sample that reproduced.
describe('auditInference', () => {
  const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
  let runner: InferenceRunner;
  let evidence: InferenceAuditEvidence;

  beforeAll(async () => {
    await onnx.load(MODEL.id, path.resolve('models', 'face_detection_front_128x128_barracuda.onnx'));
    runner = { run: (data) => onnx.run(MODEL.id, { [INPUT.name]: { data, dims: INPUT.shape } }) };
    const task = {
      modelId: MODEL.id,
      modelSha256: MODEL.sha256,
      seed: '00112233445566778899aabbccddeeff',
      count: 8,
      inputName: INPUT.name,
      inputShape: INPUT.shape,
      outputFormat: BLAZEFACE_OUTPUT_FORMAT,
      tolerance: DEFAULT_TOLERANCE,
    } as const;
    const { outputs } = await solveTask({ ...task, inputShape: [...task.inputShape] }, runner);
    evidence = {
      ...task,
      inputShape: [...task.inputShape],
      outputs,
      sample: { headSize: 0, headRoot: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', size: 8 },
    };
  });
  afterAll(() => onnx.release());

  it('scores honest outputs 1', async () => {
    const sut = await auditInference(evidence, runner, [0, 1, 2, 3, 4, 5, 6, 7]);

    expect(sut).toEqual({ score: 1, reasons: [] });
  });

  it('scores the share of the sample that reproduces, with the first reasons', async () => {
    const outputs = evidence.outputs.map(([anchor, score], i) =>
      i % 2 === 0 ? ([anchor, score] as [number, number]) : ([anchor, Math.min(1, score + 0.1)] as [number, number]),
    );

    const sut = await auditInference({ ...evidence, outputs }, runner, [0, 1, 2, 3, 4, 5, 6, 7]);

    expect(sut.score).toBe(0.5);
    expect(sut.reasons).toHaveLength(3);
    expect(sut.reasons[0]).toMatch(/^output 1: score/);
  });

  it('describes the evidence it accepts', () => {
    expect(inferenceAuditEvidenceSchema.safeParse(evidence).success).toBe(true);
    expect(inferenceAuditEvidenceSchema.safeParse({ ...evidence, count: 9 }).success).toBe(false);
    expect(inferenceAuditEvidenceSchema.safeParse({ ...evidence, outputFormat: 'other' }).success).toBe(false);
    expect(inferenceAuditEvidenceSchema.safeParse({ ...evidence, sample: undefined }).success).toBe(false);
  });

  it('checks the sample the whole committee checks, from the job and its head', () => {
    const seeded = { ...evidence, count: 64, sample: { ...evidence.sample, size: 16 } };

    expect(auditIndices('0b7e3c52-6f0e-4c8a-9d1e-2a4b5c6d7e8f', seeded)).toEqual(
      auditSample('0b7e3c52-6f0e-4c8a-9d1e-2a4b5c6d7e8f', evidence.sample.headRoot, 64, 16),
    );
  });
});
