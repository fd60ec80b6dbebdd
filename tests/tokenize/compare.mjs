// Compares hfgit's encodings (tokenize_dump, libhfgit's public API) with Hugging Face's
// tokenizers, the Rust library itself through its Node binding: ids, tokens, type ids,
// attention mask, offsets and decoded text, for every fixture directory and sample.
//
// usage: node compare.mjs NODE_MODULES FIXTURES TOKENIZE_DUMP
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { samples, pairs } from './corpus.mjs';

const [modules, fixtures, dump] = process.argv.slice(2);
const require = createRequire(path.join(modules, 'x.js'));
const { Tokenizer } = require('tokenizers');

const tmp = fs.mkdtempSync(path.join(fixtures, 'cmp-'));
const singleFile = path.join(tmp, 'single.json');
const pairFile = path.join(tmp, 'pairs.json');
fs.writeFileSync(singleFile, JSON.stringify(samples));
fs.writeFileSync(pairFile, JSON.stringify(pairs));

// Legacy directories have no tokenizer.json: the reference runs the pipeline transformers'
// converter builds, written out by make-fixtures.mjs.
function referenceFile(dir) {
  const own = path.join(fixtures, dir, 'tokenizer.json');
  return fs.existsSync(own) ? own : path.join(fixtures, 'reference', dir + '.json');
}

function ours(dir, file, flags) {
  const out = execFileSync(dump, [...flags, path.join(fixtures, dir), file],
                           { maxBuffer: 1 << 28, encoding: 'utf8' });
  return JSON.parse(out);
}

function show(s) { return String(JSON.stringify(s)).slice(0, 120); }

let checked = 0, failed = 0;
function check(label, sample, got, want) {
  checked++;
  for (const key of Object.keys(want)) {
    if (JSON.stringify(got[key]) !== JSON.stringify(want[key])) {
      failed++;
      if (failed <= 40) {
        console.log(`MISMATCH ${label} ${key} for ${show(sample)}`);
        console.log(`   hfgit: ${show(got[key] ?? got.error)}`);
        console.log(`   tokenizers: ${show(want[key])}`);
      }
      return;
    }
  }
}

function fromEncoding(e) {
  return { ids: e.getIds(), tokens: e.getTokens(), type_ids: e.getTypeIds(),
           attention_mask: e.getAttentionMask(), offsets: e.getOffsets() };
}

const dirs = fs.readdirSync(fixtures).filter(d =>
  fs.existsSync(path.join(fixtures, d, 'vocab.txt')) ||
  fs.existsSync(path.join(fixtures, d, 'tokenizer.json')) ||
  fs.existsSync(path.join(fixtures, d, 'vocab.json'))).sort();
if (dirs.length < 10) {
  console.error(`only ${dirs.length} fixture directories in ${fixtures}`);
  process.exit(1);
}
for (const dir of dirs) {
  const ref = Tokenizer.fromFile(referenceFile(dir));
  const padded = JSON.parse(fs.readFileSync(referenceFile(dir), 'utf8')).padding;
  const modes = [
    ['single', singleFile, ['--decode'], samples, true],
    ['no-special', singleFile, ['--no-special'], samples, false],
    ['pair', pairFile, [], pairs, true],
  ];
  for (const [mode, file, flags, list, special] of modes) {
    const got = ours(dir, file, flags);
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      let enc;
      try {
        enc = Array.isArray(s) ? await ref.encode(s[0], s[1], { addSpecialTokens: special })
                               : await ref.encode(s, null, { addSpecialTokens: special });
      } catch (err) {
        // The reference refuses it (a truncation that cannot be done): so must we.
        checked++;
        if (!got[i] || !got[i].error) {
          failed++;
          console.log(`MISMATCH ${dir}/${mode}: tokenizers fails (${err.message}) but hfgit encodes ${show(s)}`);
        }
        continue;
      }
      const want = fromEncoding(enc);
      check(`${dir}/${mode}`, s, got[i], want);
      if (mode === 'single' && got[i] && !got[i].error) {
        check(`${dir}/decode`, s, got[i], { decoded: await ref.decode(want.ids, false),
                                            decoded_skip: await ref.decode(want.ids, true) });
      }
    }
  }
  if (padded) {
    // Padding to the batch's longest: one batch of the shorter samples (that the truncation
    // of the file can handle), the reference's encodeBatch against ours.
    const batch = samples.filter(s => s.length > 0 && s.length < 40);
    const f = path.join(tmp, 'batch.json');
    fs.writeFileSync(f, JSON.stringify(batch));
    const got = ours(dir, f, ['--batch']);
    let want = null;
    try { want = await ref.encodeBatch(batch); } catch (err) { want = err; }
    if (want instanceof Error) {
      checked++;
      if (!got[0].error) { failed++; console.log(`MISMATCH ${dir}/batch: tokenizers fails (${want.message}), hfgit does not`); }
    } else {
      want.forEach((e, i) => check(`${dir}/batch`, batch[i], got[i], fromEncoding(e)));
    }
  }
  console.log(`${dir}: compared`);
}
// Files the reference refuses to load: hfgit must refuse them too, with a message.
{
  const dir = path.join(fixtures, 'refused');
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    checked++;
    let loaded = true;
    try { Tokenizer.fromFile(path.join(dir, name, 'tokenizer.json')); } catch (err) { loaded = false; }
    let refused = false, message = '';
    try {
      execFileSync(dump, [path.join(dir, name), singleFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      refused = err.status === 1;
      message = String(err.stderr).trim();
    }
    if (loaded || !refused || !message) {
      failed++;
      console.log(`MISMATCH refused/${name}: tokenizers ${loaded ? 'loads' : 'refuses'} it, hfgit ${refused ? `refuses it (${message})` : 'loads it'}`);
    } else {
      console.log(`refused/${name}: both refuse it (${message})`);
    }
  }
}
// A second opinion, reported and not enforced: the pure-JS @huggingface/tokenizers is known to
// differ from the Rust library on some inputs (Greek final sigma, CJK extension blocks, ...).
{
  const js = await import(path.join(modules, '@huggingface/tokenizers/dist/tokenizers.mjs'));
  for (const dir of ['bert-base-uncased', 'gpt2']) {
    const tj = JSON.parse(fs.readFileSync(path.join(fixtures, dir, 'tokenizer.json'), 'utf8'));
    const second = new js.Tokenizer(tj, {});
    const got = ours(dir, singleFile, []);
    let agree = 0;
    samples.forEach((s, i) => {
      try {
        if (JSON.stringify(second.encode(s).ids) === JSON.stringify(got[i].ids)) agree++;
      } catch (err) { /* it fails on some inputs */ }
    });
    console.log(`second opinion: @huggingface/tokenizers (pure JS) gives hfgit's ids on ${agree} of ${samples.length} samples for ${dir}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${checked} encodings compared with tokenizers (Rust) ${failed ? `, ${failed} MISMATCHES` : ', all equal'}`);
process.exit(failed ? 1 : 0);
