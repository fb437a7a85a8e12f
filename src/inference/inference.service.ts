import { Inject, Injectable } from '@nestjs/common';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { ModelRegistryService } from '../models/model-registry.service';
import { INFERENCE_TASK_ROLE, ModelRunnerService } from '../models/model-runner.service';
import type { InferenceTask, WireOutput } from '../protocol/inference-task';
import { firstFailedSpotCheck } from './spot-checks';
import {
  BLAZEFACE_OUTPUT_FORMAT,
  DEFAULT_TOLERANCE,
  blazefaceScores,
  deriveInput,
  verifyCompactOutput,
} from '../protocol/inference-task';

export interface PublishedTask extends InferenceTask {
  /** Where the client fetches the model (served with its sha256 as ETag). */
  modelUrl: string;
}

/** What verification needs to know of a challenge. */
export interface IssuedTask {
  modelId: string;
  seed: string;
  inputCount: number;
  tolerance: number;
}

export type InferenceVerdict = { ok: true } | { ok: false; reason: string; message: string };

/**
 * Issues proof-of-inference tasks and spot-checks their solutions: k indices drawn after the solution
 * arrives are recomputed with onnxruntime, so a client that faked a fraction f of its outputs passes
 * with probability (1 - f)^k. The checks stop at the first mismatch.
 */
@Injectable()
export class InferenceService {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly runners: ModelRunnerService,
    private readonly crypto: CryptoAdapter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  newTask(count: number): PublishedTask {
    const model = this.registry.manifest().models.find((candidate) => candidate.role === INFERENCE_TASK_ROLE);
    if (!model) throw new DomainError('no-task-model', 'No inference-task model is installed', 503);
    const input = model.inputs[0];
    return {
      modelId: model.id,
      modelSha256: model.sha256,
      modelUrl: `${this.config.http.publicUrl}/models/${encodeURIComponent(model.file)}`,
      seed: this.crypto.randomBytes(16).toString('hex'),
      count,
      inputName: input.name,
      inputShape: [...input.shape],
      outputFormat: BLAZEFACE_OUTPUT_FORMAT,
      tolerance: DEFAULT_TOLERANCE,
    };
  }

  /**
   * Recomputes k random outputs, in order, and stops at the first that does not match
   * (firstFailedSpotCheck): a garbage solution costs about one inference, an honest one k.
   */
  async verify(task: IssuedTask, outputs: readonly WireOutput[]): Promise<InferenceVerdict> {
    const model = this.registry.find(task.modelId);
    if (!model) return { ok: false, reason: 'model-retired', message: 'The challenge names a model no longer served' };
    // Each input is derived for its one run, so its buffer can move to the worker instead of being copied.
    const runner = await this.runners.runnerFor(task.modelId, { transferInputs: true });
    const shape = model.descriptor.inputs[0].shape;
    const check = async (index: number) => {
      const scores = blazefaceScores(await runner.run(deriveInput(task.seed, index, shape)));
      const [anchor, score] = outputs[index];
      return verifyCompactOutput({ anchor, score }, scores, task.tolerance);
    };
    const failure = await firstFailedSpotCheck(this.spotCheckIndices(task.inputCount), check, this.runners.lanes);
    if (!failure) return { ok: true };
    return {
      ok: false,
      reason: 'inference-mismatch',
      message: `Output ${failure.index} does not match the model: ${failure.reason}`,
    };
  }

  /** k distinct indices, uniformly at random, drawn only now that the solution is fixed. */
  private spotCheckIndices(count: number): number[] {
    const k = Math.min(this.config.challenges.spotChecks, count);
    const pool = Array.from({ length: count }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.crypto.randomInt(0, count - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, k);
  }
}
