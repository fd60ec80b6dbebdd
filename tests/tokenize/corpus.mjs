// Stress samples for the tokenizer comparison: accents in NFC and NFD, CJK, emoji sequences,
// control and zero-width characters, whitespace runs, contractions, numbers, long words, special
// tokens inside text. Written out as JSON by the test (JSON keeps every character exact).
const long = 'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(3);
export const samples = [
  'Hello, my dog is cute',
  'Hello world',
  '',
  ' ',
  'a',
  "I can't believe it's not butter! We'll see, they'd've said. You're right; I'm sure.",
  "DON'T SHOUT'S 'quoted' ''double'' ' lone",
  'Café naïve façade résumé Zürich crème brûlée',            // NFC
  'Cafe\u0301 nai\u0308ve fac\u0327ade re\u0301sume\u0301',  // NFD
  'ÅÄÖ åäö Ǆ ǅ ǆ ß ẞ İstanbul ΣΑΣ σας ς',
  'Ἀθῆναι Ωμέγα ἄλφα',
  '日本語のテキスト。中文文本，还有标点！한국어 텍스트입니다.',
  '𠀀𠀁 𪜀 𫝀 𬺰 丽 全角ＡＢＣ１２３',
  'Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇫🇷🇯🇵 *️⃣ 1️⃣',
  'Zero\u200bwidth\u200cjoin\u200dtext\ufeffBOM \u00ad soft hyphen \u2060',
  'Controls:\u0000\u0001\u0007\u001b[0m\u007f\u0085\u009f end',
  'Tabs\tand\nnewlines\r\nand\u000bvertical\u000cfeed',
  'Whitespace    runs\u00a0\u00a0nbsp\u2003em\u3000ideographic   ',
  '   leading and trailing   ',
  '\n\n\nnewlines only\n\n',
  'Numbers: 0 1 12 123 1234 12345 3.14159 -42 +7 1,000,000 1e-10 0x1F ٣٤٥ ⅫⅣ ½ ²³',
  'Dates 2024-01-31 and times 23:59:59.999 and money $1,299.99 €5 ¥100',
  long,
  'x'.repeat(101),
  'ab'.repeat(60) + ' short',
  'Special tokens inside: [CLS] hello [SEP] world [MASK] end [PAD][UNK]',
  'GPT special <|endoftext|> in the middle<|endoftext|>and glued',
  '<s> hello </s> <mask> world<mask>  <mask>',
  'hfgit is a tool; hfgitx is not; (hfgit) yes.',
  'URLs https://huggingface.co/bert-base-uncased?x=1&y=2#frag and e-mail a.b@c.de',
  'Code: for (int i = 0; i < n; i++) { x[i] = y[i] * 2; } // done',
  'Mixed: naïve café 日本 😀 résumé 123 don\'t',
  'Punctuation… “quotes” ‘single’ «guillemets» —dash– ¿qué? ¡sí!',
  'Math ∑∫∂√∞ ≠ ≤ ≥ ± × ÷ → ⇒ ∀∃',
  'Hebrew שלום and Arabic مرحبا and Hindi नमस्ते and Thai สวัสดี',
  'Combining: a\u0300\u0301\u0302 e\u0316\u0301 o\u0328\u0304 Ç\u0301',
  'Ligatures ﬁ ﬂ ﬀ and fullwidth Ｈｅｌｌｏ and circled ①②③ and ㍿',
  'Hangul jamo \u1100\u1161\u11a8 vs 각',
  'UPPER lower MiXeD CamelCaseWords snake_case_words kebab-case-words',
  'repeated!!!!!! ??? ... ---- ____ ****',
  "It's 5 o'clock; rock 'n' roll ain't dead",
  'a\u0301'.repeat(40),
  'The quick brown fox jumps over the lazy dog. '.repeat(8),
  // What the tokenizers of causal LMs (byte-level with a Split regex, Metaspace, byte
  // fallback) turn on: spaces at the start and in runs, newlines, digit groups, contractions
  // in any case, text outside the vocabulary, their special tokens in text.
  ' leading space',
  '  two leading spaces and two  inside',
  'runs:  2   3    4     5      end',
  'line one\nline two\n\nline four\r\nwindows\r\n\r\n  indented\n\ttabbed',
  '\n leading newline and trailing newline\n',
  ' \n \n mixed space newline ',
  'digits 1 12 123 1234 12345 123456 1234567 20240131 3.14159 1,234,567 007',
  'x1 x12 x123 x1234 a1b22c333d4444',
  "I'M YOU'RE He'S they'VE We'LL she'D it'S don'T can'T",
  "l'homme qu'il 'tis rock'n'roll o'clock ''s",
  'Outside the vocabulary: 日本語 中文 한국어 ελληνικά кириллица עברית ✓ ✗ ☃ ♫',
  'Emoji glued😀to words🇫🇷and👍🏽 spaced 😀 😀😀 🫠',
  '▁already▁metaspace▁ ▁ ▁▁ text',
  '<|begin_of_text|>Hello<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>',
  '<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>',
  '<s>[INST] What is 2+2? [/INST] 4</s> <s>again</s>',
  'Tokenizer hfgit repository Zürich naïve believe we\'ll',
  ' hfgit  hfgit\thfgit\nhfgit',
  // Whitespace the regex classes may disagree on (\s of Oniguruma and of PCRE2), digits of
  // other scripts, apostrophes that are not ASCII, ▁ and byte tokens written in the text.
  'a\u2028b\u2029c x\u001cy\u001dz\u001e\u001f a\u180eb a\u0085b \u0085 c',
  '\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f end',
  '  \n  \n\n  x  \n',
  '\r\r\rx \t \t x',
  '1234567890123 ١٢٣٤٥ ۱۲۳ ১২৩ ௧௨௩ ½¼¾ ²³¹ ⅠⅡⅢⅣⅤ 1_000',
  "it’s they’re ‘tis 'S 'T 'RE 'VE 'M 'LL 'D x's y'T z'Re '''' a'b'c'd",
  '▁ ▁▁ ▁x x▁ <0x41> <unk> <0xE6>x',
  ' '.repeat(50) + 'x' + ' '.repeat(50),
  'a\n\n\nb\n\n\nc ...!!!??? ...  ... a...b $$$ 100$ $100',
];
// Generated samples (seeded, the same every run): words and runs drawn from pools of the
// characters tokenizers trip over, glued with every kind of space.
{
  const pools = [
    ['the', 'Tokenizer', "can't", "we'll", 'naïve', 'Zürich', 'ÉCOLE', 'straße', 'İzmir', 'ΣΟΦΙΑ', 'ὅσος', 'ﬁne'],
    ['e\u0301', 'a\u0308', 'n\u0303', 'o\u0302\u0323', 'A\u030a', '\u0301', '\u0323\u0302'],
    ['日本', '中文', '한국어', '\u1100\u1161\u11a8', 'ｶﾀｶﾅ', '𠜎', '丽', 'ㄅㄆ', 'ไทย', 'हिन्दी', 'עברית', 'العربية'],
    ['😀', '👍🏿', '👩‍💻', '🏳️‍⚧️', '🇩🇪', '#️⃣', '\u2764\ufe0f', '🫠'],
    ['\u0000', '\u0007', '\u001f', '\u007f', '\u0085', '\u200b', '\u200d', '\u2060', '\ufeff', '\u00ad', '\ufffd', '\ue000'],
    ['0', '42', '3.14', '1,000', '٣', '۵', '௫', '½', 'Ⅻ', '²', '1e9'],
    ['.', ',', '!?', '...', '—', '«', '»', '(', ')', '[', ']', '{', '}', '@', '#', '$', '%', '^', '&', '*', '_', '~', '`', '\\', '/', '<', '>', '|'],
    ['[CLS]', '[SEP]', '[MASK]', '<|endoftext|>', '<s>', '</s>', '<mask>', 'hfgit', '<unk>', '[PAD]'],
  ];
  const spaces = [' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2003', '', ''];
  let seed = 20240601;
  const rnd = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let i = 0; i < 300; i++) {
    const words = 1 + rnd(12);
    let s = '';
    for (let w = 0; w < words; w++) {
      const pool = pools[rnd(pools.length)];
      s += pool[rnd(pool.length)] + spaces[rnd(spaces.length)];
      if (rnd(40) === 0) s += 'w'.repeat(90 + rnd(30));
    }
    samples.push(s);
  }
}
// Sentence pairs for the pair template.
export const pairs = [
  ['Hello, my dog is cute', 'And my cat is too.'],
  ['Short', 'A much longer second sentence that goes on and on with many words in it.'],
  ['A much longer first sentence that goes on and on with many words in it, really.', 'Short'],
  ['Café résumé', '日本語'],
  ['', 'only the pair'],
];
