import { z } from 'zod';

/**
 * A file name inside the models folder: one path segment of safe characters, never `.` or `..`, so a
 * manifest can never point outside the folder and a URL can only ever name a listed file.
 */
export const MODEL_FILE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,200}$/;

const fileName = z.string().regex(MODEL_FILE_NAME, 'must be a plain file name (letters, digits, ".", "_", "-")');

const tensorSchema = z.object({
  name: z.string().min(1),
  /** -1 marks a dimension the model leaves open. */
  shape: z.array(z.number().int().min(-1)),
  type: z.enum(['float32', 'float16', 'int64', 'int32', 'uint8', 'int8', 'bool']),
});

export const modelSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, 'must be lowercase letters, digits, "." and "-"'),
  file: fileName,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hexadecimal characters'),
  bytes: z.number().int().positive(),
  licence: z.string().min(1),
  licenceFile: fileName,
  source: z.string().min(1),
  role: z.string().regex(/^[a-z0-9-]+$/, 'must be lowercase letters, digits and "-"'),
  inputs: z.array(tensorSchema).min(1),
  outputs: z.array(tensorSchema).min(1),
});

export const manifestSchema = z
  .object({
    version: z.literal(1),
    models: z.array(modelSchema).min(1),
  })
  .superRefine((manifest, context) => {
    const seen = { id: new Set<string>(), file: new Set<string>() };
    manifest.models.forEach((model, index) => {
      for (const key of ['id', 'file'] as const) {
        if (seen[key].has(model[key])) {
          context.addIssue({ code: 'custom', path: ['models', index, key], message: `duplicate ${key} ${model[key]}` });
        }
        seen[key].add(model[key]);
      }
    });
  });

export type ModelManifest = z.infer<typeof manifestSchema>;
export type ModelDescriptor = ModelManifest['models'][number];
export type TensorDescriptor = ModelDescriptor['inputs'][number];
