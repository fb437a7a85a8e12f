import { Module } from '@nestjs/common';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import type { OnnxOptions } from '../adapters/onnx.adapter';
import { DEFAULT_ONNX_OPTIONS, ONNX_OPTIONS, OnnxAdapter } from '../adapters/onnx.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ModelRegistryService } from './model-registry.service';
import { ModelRunnerService } from './model-runner.service';
import { ModelsController } from './models.controller';

/** The model files (verified, served over HTTP) and onnxruntime sessions for them. */
@Module({
  controllers: [ModelsController],
  providers: [
    {
      provide: ONNX_OPTIONS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): OnnxOptions => ({ ...DEFAULT_ONNX_OPTIONS, device: config.inference.device }),
    },
    OnnxAdapter,
    FileStoreAdapter,
    ModelRegistryService,
    ModelRunnerService,
  ],
  exports: [OnnxAdapter, ModelRegistryService, ModelRunnerService],
})
export class ModelsModule {}
