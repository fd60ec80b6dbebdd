// Benchmark peers: the same chunks encoded by the Rust library (Node binding, one batch on a
// one-thread pool) and by the pure-JS @huggingface/tokenizers, one thread. Prints
// "name tokens seconds" lines; the encoding alone is timed.
//
// usage: node tokenize_peers.mjs NODE_MODULES DIR TEXT_FILE
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [modules, dir, file] = process.argv.slice(2);
const require = createRequire(path.join(modules, 'x.js'));
const chunks = fs.readFileSync(file, 'utf8').split('\f');
const json = fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8');

{
  const { Tokenizer } = require('tokenizers');
  const tok = Tokenizer.fromString(json);
  await tok.encodeBatch(chunks.slice(0, 10));  // warm up
  const t0 = process.hrtime.bigint();
  const encs = await tok.encodeBatch(chunks);
  const t1 = process.hrtime.bigint();
  let n = 0;
  for (const e of encs) n += e.getLength();
  console.log(`rust ${n} ${(Number(t1 - t0) / 1e9).toFixed(4)}`);
}
{
  const js = await import(path.join(modules, '@huggingface/tokenizers/dist/tokenizers.mjs'));
  const tok = new js.Tokenizer(JSON.parse(json), {});
  for (const c of chunks.slice(0, 10)) tok.encode(c);
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const c of chunks) n += tok.encode(c).ids.length;
  const t1 = process.hrtime.bigint();
  console.log(`js ${n} ${(Number(t1 - t0) / 1e9).toFixed(4)}`);
}
