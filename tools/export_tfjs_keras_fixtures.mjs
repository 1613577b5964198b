// Builds Keras-layer fixtures for the Keras weight loader with TensorFlow.js, the JavaScript port of the Keras
// layers API (same weight names and layouts: kernel [inputs, 4H], recurrent_kernel [H, 4H], one bias, gates
// i, f, c, o). Keras itself cannot be installed on the development machines; @tensorflow/tfjs comes from npm.
//
// For each case it writes tests/Fixtures/keras/<case>.safetensors (every weight under its Keras name, in
// model.weights order) and <case>.io.safetensors (the inputs and the model's predictions, computed by
// tfjs-layers' own LSTM, Bidirectional, Embedding and Dense layers).
//
//   cd tools && npm install --no-save @tensorflow/tfjs@4.22.0 && node export_tfjs_keras_fixtures.mjs
//
// tfjs' GRU has only reset_after=False, which LstmGen does not load (a different function than PyTorch's GRU),
// so the GRU fixture here is for the loader's refusal.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'Fixtures', 'keras');

// A small seeded generator (mulberry32), so the fixtures are the same on every run.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// name -> { dtype: 'F32' | 'I32', shape, data: Float32Array | Int32Array }, written in insertion order.
function writeSafetensors(file, tensors, metadata) {
  const header = { __metadata__: metadata };
  let offset = 0;
  const parts = [];
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    parts.push(bytes);
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(file, Buffer.concat([size, Buffer.from(json), ...parts]));
}

function run(c) {
  const next = random(c.seed);
  const model = tf.sequential();
  const cell = (units, returnSequences, name, extra = {}) => (c.cell === 'gru'
    ? tf.layers.gru({ units, returnSequences, recurrentActivation: 'sigmoid', name, ...extra })
    : tf.layers.lstm({ units, returnSequences, recurrentActivation: 'sigmoid', name, ...extra }));
  if (c.vocab) model.add(tf.layers.embedding({ inputDim: c.vocab, outputDim: c.embedding, inputShape: [c.steps], name: 'embedding' }));
  for (let k = 0; k < c.layers; k++) {
    const sequences = k < c.layers - 1 || c.everyStep;
    const input = k === 0 && !c.vocab ? { inputShape: [c.steps, c.inputs] } : {};
    const name = k === 0 ? c.cell : `${c.cell}_${k}`;
    model.add(c.bidirectional
      ? tf.layers.bidirectional({ layer: cell(c.hidden, sequences, name), mergeMode: 'concat', ...input })
      : cell(c.hidden, sequences, name, input));
  }
  if (c.outputs) model.add(tf.layers.dense({ units: c.outputs, activation: c.activation, name: 'dense' }));

  // Weights U(-0.6, 0.6), embeddings U(-1, 1), in model.weights order.
  const weights = {};
  model.setWeights(model.weights.map(w => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const scale = w.originalName.endsWith('embeddings') ? 1 : 0.6;
    const data = Float32Array.from({ length: n }, () => (2 * next() - 1) * scale);
    weights[w.originalName] = { dtype: 'F32', shape: w.shape, data };
    return tf.tensor(data, w.shape);
  }));

  const batch = c.batch;
  let input, io;
  if (c.vocab) {
    const ids = Int32Array.from({ length: batch * c.steps }, () => Math.floor(next() * c.vocab));
    input = tf.tensor2d(ids, [batch, c.steps], 'int32');
    io = { input: { dtype: 'I32', shape: [batch, c.steps], data: ids } };
  } else {
    const xs = Float32Array.from({ length: batch * c.steps * c.inputs }, () => 2 * next() - 1);
    input = tf.tensor3d(xs, [batch, c.steps, c.inputs]);
    io = { input: { dtype: 'F32', shape: [batch, c.steps, c.inputs], data: xs } };
  }
  const y = model.predict(input);
  io.output = { dtype: 'F32', shape: y.shape, data: Float32Array.from(y.dataSync()) };

  const meta = { format: 'lstmgen-keras-fixture-v1', case: c.name, producer: `TensorFlow.js ${tf.version.tfjs} (tfjs-layers, CPU backend)`, config: JSON.stringify(c) };
  writeSafetensors(path.join(out, `${c.name}.safetensors`), weights, meta);
  writeSafetensors(path.join(out, `${c.name}.io.safetensors`), io, meta);
  console.log(`${c.name}: ${Object.keys(weights).join(', ')} -> output ${JSON.stringify(y.shape)}`);
}

await tf.setBackend('cpu');
const cases = [
  { name: 'tfjs_emb7x3_lstm5_dense2', cell: 'lstm', vocab: 7, embedding: 3, hidden: 5, layers: 1, outputs: 2, activation: 'linear', steps: 9, batch: 3, seed: 1 },
  { name: 'tfjs_i3_lstm6x2_seq_dense4_softmax', cell: 'lstm', inputs: 3, hidden: 6, layers: 2, outputs: 4, activation: 'softmax', everyStep: true, steps: 8, batch: 2, seed: 2 },
  { name: 'tfjs_i2_bilstm4_dense1_sigmoid', cell: 'lstm', inputs: 2, hidden: 4, layers: 1, bidirectional: true, outputs: 1, activation: 'sigmoid', steps: 7, batch: 3, seed: 3 },
  { name: 'tfjs_i3_bilstm3x2_seq', cell: 'lstm', inputs: 3, hidden: 3, layers: 2, bidirectional: true, everyStep: true, steps: 6, batch: 2, seed: 4 },
  { name: 'tfjs_i2_gru3_resetbefore', cell: 'gru', inputs: 2, hidden: 3, layers: 1, steps: 5, batch: 1, seed: 5 },
];
for (const c of cases) run(c);
