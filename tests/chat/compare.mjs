// hfgit's chat templates against @huggingface/jinja, byte for byte: every template of
// templates.mjs with every message list below, with and without add_generation_prompt, through
// the C API (tests/chat/chat_render), half of them through the tokenizer_config.json path.
//
//   node compare.mjs NODE_MODULES CHAT_RENDER
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { templates, tokens } from "./templates.mjs";

const [modules, driver] = process.argv.slice(2);
const { Template } = await import(pathToFileURL(`${modules}/@huggingface/jinja/dist/index.js`).href);

const u = (c) => ({ role: "user", content: c });
const a = (c) => ({ role: "assistant", content: c });
const s = (c) => ({ role: "system", content: c });
const conversations = {
  one: [u("Hello!")],
  system: [s("You are terse."), u("Hi there")],
  multi: [u("Hi"), a("Hello, how can I help?"), u("Tell me a joke.")],
  long: [s("Be nice."), u("1"), a("2"), u("3"), a("4"), u("5")],
  ends_assistant: [u("Q?"), a("A.")],
  thinking: [u("2+2?"), a("<think>\nadd them\n</think>\n\n4"), u("and 3+3?"), a("<think>six</think>6")],
  unicode: [u("héllo 世界 🤗 — ça va? Ωμέγα"), a("Ναι! 日本語 ✓"), u("emoji 👩‍💻 done")],
  whitespace: [s("  padded system \n"), u("\n\n  lines\tand tabs  \n"), a(" \u00a0nbsp\u3000ideographic "), u("   ")],
  escapes: [u('quotes " and \' and \\backslash\\ and </s> <|im_end|> {{ not a tag }} {% nor this %}'), a("line1\nline2\r\nline3\ttab \u0001ctl"), u("")],
  multiline: [u("def f(x):\n    return x * 2\n\nprint(f(3))"), a("It prints 6.\n")],
  empty_text: [u(""), a(""), u("")],
};
// And generated ones: alternating turns (some with a system prompt) whose content mixes
// unicode, whitespace both libraries trim alike, quotes, backslashes, control characters and
// text that looks like tags or special tokens. A fixed seed keeps the cases the same.
let seed = 20240601;
const rand = (n) => { // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) % n;
};
const pieces = ["hello", "世界", "🤗", "é", " ", "  ", "\n", "\t", "\r\n", "\u00a0", "\u3000", '"', "'",
  "\\", "{{ x }}", "{% if %}", "%}\n", "</s>", "<|im_end|>", "\u0007", "{\"a\": [1]}", "Hi", "x y z", "—"];
const text = () => Array.from({ length: rand(8) }, () => pieces[rand(pieces.length)]).join("");
for (let k = 0; k < 40; k++) {
  const turns = [];
  // Never an empty system prompt: Llama 2's `system_message != false` is true for '' in Jinja
  // (Python), false in @huggingface/jinja; test_chat checks hfgit's Python answer.
  if (rand(3) === 0) turns.push(s("sys " + text()));
  const n = 1 + rand(6);
  for (let t = 0; t < n; t++) turns.push(t % 2 ? a(text()) : u(text()));
  conversations[`generated${k}`] = turns;
}
const toolConversations = {
  tool_calls: [s("You can call tools."), u("Weather in Paris?"),
    { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Paris", unit: "°C", "q\"uote": [1, 2.5, null, true] } } }] },
    { role: "tool", content: '{"temp": 21}' }, { role: "tool", content: "second result" },
    a("It is 21 °C."), u("Thanks")],
  tool_no_system: [u("Use a tool"), { role: "assistant", content: "Calling.", tool_calls: [{ name: "search", arguments: { q: "x\ny" } }] }, { role: "tool", content: "found" }],
  bad_role: [u("hi"), { role: "robot", content: "beep" }],
};
const toolsList = [
  { type: "function", function: { name: "get_weather", description: "Current weather \"now\"", parameters: { type: "object", properties: { city: { type: "string" }, unit: { enum: ["°C", "°F"] } }, required: ["city"] } } },
  { type: "function", function: { name: "search", description: "Search\tthe web", parameters: {} } },
];

const cases = [];
let k = 0, skipped = 0;
for (const [tname, source] of Object.entries(templates)) {
  const convs = tname === "tools" ? { ...conversations, ...toolConversations }
    : tname === "llama31" ? { ...conversations, tool_calls: toolConversations.tool_calls }
    : tname === "qwen3" ? { ...conversations, ...toolConversations } : conversations;
  for (const [cname, messages] of Object.entries(convs)) {
    // @huggingface/jinja ignores the characters of strip('\n') and strips all whitespace;
    // Python strips only those (test_chat checks hfgit's): no generated text where it differs.
    if (tname === "qwen3" && cname.startsWith("generated") &&
        messages.some((m) => m.content.replace(/^\n+|\n+$/g, "") !== m.content.trim())) {
      skipped++;
      continue;
    }
    for (const agp of [true, false]) {
      for (const withTools of ["tools", "llama31", "qwen3"].includes(tname) ? [true, false] : [false]) {
        // As transformers calls it: tools and documents are always there, none when not given.
        const context = { messages, add_generation_prompt: agp, tools: null, documents: null };
        for (const [key, value] of Object.entries(tokens[tname])) if (value !== null) context[key] = value;
        if (withTools) context.tools = toolsList;
        const label = `${tname}/${cname}/agp=${agp}${withTools ? "/tools" : ""}`;
        // Every other case goes through hfgit_chat_template_from_config + hfgit_chat_apply, with
        // the special tokens as AddedToken objects and chat_template in its list form.
        if (!withTools && k++ % 2 === 0) {
          const config = { chat_template: [{ name: "other", template: "{{ 'wrong one' }}" }, { name: "default", template: source }] };
          for (const [key, value] of Object.entries(tokens[tname])) if (value !== null) config[key] = { content: value, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
          cases.push({ label, context, input: { config, messages, add_generation_prompt: agp } });
        } else {
          cases.push({ label, context, input: { template: source, context } });
        }
      }
    }
  }
}

const run = spawnSync(driver, [], { input: cases.map((c) => JSON.stringify(c.input)).join("\n") + "\n", maxBuffer: 1 << 28 });
if (run.status !== 0) {
  console.error(`chat_render failed (status ${run.status}, signal ${run.signal}):\n${run.stderr}`);
  process.exit(1);
}
const answers = run.stdout.toString("utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
if (answers.length !== cases.length) {
  console.error(`chat_render answered ${answers.length} of ${cases.length} cases\n${run.stderr}`);
  process.exit(1);
}

let passed = 0, failed = 0, errorsAgreed = 0;
const errorCases = {};
cases.forEach((c, i) => {
  const got = answers[i];
  let want, wantError = null;
  try {
    want = new Template(templates[c.label.split("/")[0]]).render(c.context);
  } catch (e) {
    wantError = e.message;
  }
  let ok;
  if (wantError !== null) {
    // raise_exception: both fail, and hfgit's message carries the template's own.
    ok = got.error !== undefined && got.error.includes(wantError);
    if (ok) errorsAgreed++;
    errorCases[c.label.split("/")[0]] = (errorCases[c.label.split("/")[0]] || 0) + 1;
  } else {
    ok = got.out === want;
  }
  if (ok) {
    passed++;
  } else {
    failed++;
    if (failed <= 10)
      console.log(`FAIL ${c.label}\n  reference: ${JSON.stringify(wantError !== null ? { error: wantError } : want)}\n  hfgit:     ${JSON.stringify(got)}`);
  }
});
// The comparison must have exercised both outcomes, or it proves less than it claims.
if (errorsAgreed < 5 || passed - errorsAgreed < 1000) {
  console.log(`too few cases of each kind: ${passed - errorsAgreed} renderings, ${errorsAgreed} raise_exception errors`);
  failed++;
}
console.log(`chat templates vs @huggingface/jinja: ${cases.length} cases (${Object.keys(templates).length} templates), ${errorsAgreed} raise_exception errors agreed, ${skipped} generated conversations left out where the reference strips differently`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
