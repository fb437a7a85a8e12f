/**
 * The code of one inference worker thread, as plain CommonJS so it runs the same from the compiled service
 * and under the test runner (no TypeScript loader inside workers). onnxruntime-node's `session.run` computes
 * on the calling thread, so running it here keeps the service's event loop free while models run.
 *
 * Messages in:  {id, type: 'load', modelId, bytes, device, intraOpNumThreads}
 *               {id, type: 'run', modelId, feeds: {name: {data: Float32Array, dims}}}
 * Messages out: {id, ok: true, created?, device?, warning?, outputs?} or {id, ok: false, message}
 */
export const ONNX_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.onnxruntimePath);
const sessions = new Map();

async function create(message) {
  const options = {
    intraOpNumThreads: message.intraOpNumThreads,
    interOpNumThreads: 1,
    // 'warning' prints notes about unused initialisers at every load; errors are enough.
    logSeverityLevel: 3,
  };
  let warning;
  if (message.device === 'cuda') {
    try {
      const session = await ort.InferenceSession.create(message.bytes, { ...options, executionProviders: ['cuda'] });
      return { session, device: 'cuda' };
    } catch (error) {
      warning = String((error && error.message) || error).split('\n')[0];
    }
  }
  const session = await ort.InferenceSession.create(message.bytes, { ...options, executionProviders: ['cpu'] });
  return { session, device: 'cpu', warning };
}

async function load(message) {
  let pending = sessions.get(message.modelId);
  const created = !pending;
  if (!pending) {
    pending = create(message);
    sessions.set(message.modelId, pending);
    pending.catch(() => sessions.delete(message.modelId));
  }
  const entry = await pending;
  return { created, device: entry.device, warning: created ? entry.warning : undefined };
}

async function run(message) {
  const pending = sessions.get(message.modelId);
  if (!pending) throw new Error('model ' + message.modelId + ' is not loaded');
  const { session } = await pending;
  const inputs = {};
  for (const [name, feed] of Object.entries(message.feeds)) inputs[name] = new ort.Tensor('float32', feed.data, feed.dims);
  const results = await session.run(inputs);
  const outputs = {};
  const transfer = [];
  for (const [name, tensor] of Object.entries(results)) {
    if (tensor.type !== 'float32') throw new Error('output ' + name + ' of ' + message.modelId + ' is ' + tensor.type);
    // A copy owns its buffer, so it can be transferred instead of cloned.
    const copy = new Float32Array(tensor.data);
    outputs[name] = copy;
    transfer.push(copy.buffer);
  }
  return { reply: { outputs }, transfer };
}

parentPort.on('message', async (message) => {
  try {
    if (message.type === 'load') parentPort.postMessage({ id: message.id, ok: true, ...(await load(message)) });
    else if (message.type === 'run') {
      const { reply, transfer } = await run(message);
      parentPort.postMessage({ id: message.id, ok: true, ...reply }, transfer);
    } else throw new Error('unknown message type ' + message.type);
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, message: String((error && error.message) || error) });
  }
});
`;
