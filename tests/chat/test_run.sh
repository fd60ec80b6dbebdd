#!/bin/sh
# hfgit run --chat on the tiny Llama and Qwen2 models (tests/data/llm/models, with the chat
# templates of Llama 3 Instruct and Qwen2 Instruct): every prompt byte for byte as
# @huggingface/jinja renders the checkout's template for the same messages, and the ids, the
# generated ids and the reply as tests/data/llm/chat.json has them (jinja2's rendering, torch's
# greedy generation); the conversation from arguments, --system, --messages FILE and stdin, and
# a session on stdin whose replies join the conversation; text and --json output; the errors.
#
#   test_run.sh HFGIT TESTS_DATA NODE_MODULES
. "$(dirname "$0")/../integration/lib.sh"
DATA=$(cd "$2" && pwd)
MODULES=$3
REF=$DATA/llm/chat.json
REF_RENDER=$TESTS_DIR/chat/render_ref.mjs
# llama-f32's generation_config.json asks for sampling (with a repetition penalty), which hfgit
# run follows as transformers' pipeline does; chat.json's replies are greedy, so the chats run
# on a copy whose generation_config.json keeps only the ids.
LLAMA=$WORK/llama-f32
cp -r "$DATA/llm/models/llama-f32" "$LLAMA"
python3 - "$LLAMA/generation_config.json" <<'P'
import json, sys
c = json.load(open(sys.argv[1]))
json.dump({k: c[k] for k in ("bos_token_id", "eos_token_id") if k in c}, open(sys.argv[1], "w"))
P
QWEN=$DATA/llm/models/qwen2-f32

# against CASE: the --json answers in $WORK/out are those of chat.json's CASE (one answer, or
# one per turn): input ids, generated ids, reply, and the prompt jinja2 rendered; for each
# answer N, $WORK/prompt.N holds hfgit's prompt and $WORK/ctx.N.json the template's variables
# (the messages before the reply, add_generation_prompt, tokenizer_config.json's special
# tokens) for @huggingface/jinja. Prints the number of answers.
against() {
	python3 - "$REF" "$1" "$WORK" "$2" <<'P'
import json, os, sys
ref, name, work, model = sys.argv[1:]
case = [c for c in json.load(open(ref))["chats"] if c["name"] == name][0]
want = case.get("turns", [case])
got = json.load(open(os.path.join(work, "out")))
cfg = json.load(open(os.path.join(model, "tokenizer_config.json")))
errors = []
if len(got) != len(want):
    errors.append("%d answers, want %d" % (len(got), len(want)))
for n, (g, w) in enumerate(zip(got, want)):
    for key, wkey in (("input_ids", "input_ids"), ("generated_ids", "tokens"), ("prompt", "prompt")):
        if g[key] != w[wkey]:
            errors.append("answer %d: %s %r, want %r" % (n + 1, key, g[key], w[wkey]))
    reply = g["generated_text"][-1]
    if reply != {"role": "assistant", "content": w["text"]}:
        errors.append("answer %d: reply %r, want %r" % (n + 1, reply, w["text"]))
    ctx = {"messages": g["generated_text"][:-1], "add_generation_prompt": True}
    ctx.update((k, v) for k, v in cfg.items() if k.endswith("_token") and v is not None)
    open(os.path.join(work, "ctx.%d.json" % n), "w").write(json.dumps(ctx))
    open(os.path.join(work, "prompt.%d" % n), "w").write(g["prompt"])
if errors:
    sys.exit("\n".join(errors))
print(len(got))
P
}

# same_as_jinja WHAT MODEL N: the N answers' prompts against @huggingface/jinja's rendering of
# MODEL's tokenizer_config.json chat_template.
same_as_jinja() {
	python3 -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["chat_template"])' \
		"$2/tokenizer_config.json" >"$WORK/template.jinja"
	k=0
	while [ "$k" -lt "$3" ]; do
		if node "$REF_RENDER" "$MODULES" "$WORK/template.jinja" "$WORK/ctx.$k.json" >"$WORK/ref.$k" &&
		   cmp -s "$WORK/prompt.$k" "$WORK/ref.$k"; then pass; else
			fail "$1, answer $((k + 1)): hfgit's prompt '$(cat "$WORK/prompt.$k")', @huggingface/jinja's '$(cat "$WORK/ref.$k")'"
		fi
		k=$((k + 1))
	done
}

# check_chat WHAT CASE MODEL: hfgit's --json output in $WORK/out against CASE and the reference.
check_chat() {
	if n=$(against "$2" "$3" 2>"$WORK/against"); then
		pass
		same_as_jinja "$1" "$3" "$n"
	else
		fail "$1: $(cat "$WORK/against")"
	fi
}

# reply CASE [TURN]: chat.json's reply text.
reply() {
	python3 -c '
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["chats"] if c["name"] == sys.argv[2]][0]
sys.stdout.write((c["turns"][int(sys.argv[3])] if len(sys.argv) > 3 else c)["text"])' "$REF" "$@"
}

# --- Qwen2: ChatML with its default system prompt; stops at generation_config.json's eos ---
run_hfgit run --chat --json -q --max-new-tokens 12 "$QWEN" "hi! what is a llama?"
check_eq "qwen2 argument: exit code ($ERR)" "$RC" 0
check_chat "qwen2 argument" "qwen2-f32 default system prompt" "$QWEN"
run_hfgit run --chat --json -q --max-new-tokens 12 --system "you are terse." "$QWEN" "Why?"
check_eq "qwen2 --system: exit code ($ERR)" "$RC" 0
check_chat "qwen2 --system" "qwen2-f32 system" "$QWEN"
printf '[{"role": "system", "content": "you are terse."}, {"role": "user", "content": "Why?"}]' \
	>"$WORK/qwen.json"
run_hfgit run --chat --json -q --max-new-tokens 12 --messages "$WORK/qwen.json" "$QWEN"
check_eq "qwen2 --messages FILE: exit code ($ERR)" "$RC" 0
check_chat "qwen2 --messages FILE" "qwen2-f32 system" "$QWEN"
set +e
"$HFGIT" run --chat --json -q --max-new-tokens 12 --messages - "$QWEN" <"$WORK/qwen.json" \
	>"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check_eq "qwen2 --messages -: exit code" "$RC" 0
check_chat "qwen2 --messages -" "qwen2-f32 system" "$QWEN"
# Streamed: the reply and a newline, nothing of the prompt; the timing on stderr.
run_hfgit run --chat --max-new-tokens 12 --system "you are terse." "$QWEN" "Why?"
check_eq "qwen2 streamed: exit code" "$RC" 0
check_eq "qwen2 streamed: the reply" "$OUT" "$(reply "qwen2-f32 system")"
check_contains "qwen2 streamed: timing" "$ERR" "Qwen2ForCausalLM, text-generation: load"
check_contains "qwen2 streamed: one answer" "$ERR" "(1 answer)"

# --- Llama 3: the template writes the BOS that the tokenizer would add too ------------------
run_hfgit run --chat --json -q --max-new-tokens 12 --system "be brief." "$LLAMA" hello \
	"Hi, how can I help?" "  tell me a joke.
"
check_eq "llama turns as arguments: exit code ($ERR)" "$RC" 0
check_chat "llama turns as arguments" "llama-f32 system and turns" "$LLAMA"
# A session: each line of stdin a user turn (empty lines skipped), each reply kept.
set +e
printf 'hi\n\nwhat is 2+2?\n' | "$HFGIT" run --chat --json -q --max-new-tokens 12 "$LLAMA" \
	>"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check_eq "llama session: exit code ($(cat "$WORK/err"))" "$RC" 0
check_chat "llama session" "llama-f32 turns" "$LLAMA"
set +e
printf 'hi\r\nwhat is 2+2?' | "$HFGIT" run --chat --max-new-tokens 12 "$LLAMA" \
	>"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check_eq "llama streamed session: exit code" "$RC" 0
printf '%s\n%s\n' "$(reply "llama-f32 turns" 0)" "$(reply "llama-f32 turns" 1)" >"$WORK/want"
if cmp -s "$WORK/out" "$WORK/want"; then pass; else
	fail "llama streamed session: printed '$(cat "$WORK/out")', want '$(cat "$WORK/want")'"
fi
check_contains "llama streamed session: two answers" "$(cat "$WORK/err")" "(2 answers)"

# --- Help and errors -------------------------------------------------------------------------
run_hfgit run --help
check_contains "help: --chat" "$OUT" "--chat                 the MESSAGEs are a conversation"
check_contains "help: --messages" "$OUT" "--messages FILE"
check_contains "help: --system" "$OUT" "--system TEXT"
run_hfgit run --chat "$QWEN" "hi" "hello"
check_eq "an even number of MESSAGEs" "$RC" 2
check_contains "an even number of MESSAGEs: says why" "$ERR" "end with the assistant's turn"
run_hfgit run --system "x" "$QWEN" "hi"
check_eq "--system without --chat" "$RC" 2
check_contains "--system without --chat: says so" "$ERR" "go with --chat"
run_hfgit run --chat --messages "$WORK/qwen.json" "$QWEN" "hi"
check_eq "--messages with MESSAGEs" "$RC" 2
run_hfgit run --chat --task text-classification "$QWEN" "hi"
check_eq "--chat with another --task" "$RC" 2
check_contains "--chat with another --task: says so" "$ERR" "--chat goes with text-generation"
run_hfgit run --chat --task feature-extraction "$QWEN" "hi"
check_eq "--chat with feature-extraction" "$RC" 2
run_hfgit run --chat --messages "$WORK/none.json" "$QWEN"
check_eq "--messages: missing file" "$RC" 8
printf '{"role": "user"}' >"$WORK/notlist.json"
run_hfgit run --chat --messages "$WORK/notlist.json" "$QWEN"
check_eq "--messages: not a list" "$RC" 2
check_contains "--messages: not a list: says what is wanted" "$ERR" "not a JSON list of messages"
# Too long for the positions: refused, never cut (the end is where the answer starts).
run_hfgit run --chat --max-new-tokens 200 "$QWEN" "hi"
check_eq "prompt and new tokens past the positions: exit code" "$RC" 2
check_contains "prompt and new tokens past the positions: says so" "$ERR" \
	"the prompt is 59 tokens; with 200 new ones it exceeds the model's 256 positions"
check_eq "prompt and new tokens past the positions: nothing printed" \
	"$(cat "$WORK/out" | wc -c)" 0
run_hfgit run --chat --template tool_use "$QWEN" "hi"
check_eq "--template: no such template" "$RC" 3
# A checkout of a model without a chat template (a base model's tokenizer).
mkdir -p "$WORK/base"
ln -s "$QWEN"/config.json "$QWEN"/model.safetensors "$QWEN"/tokenizer.json "$WORK/base/"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
del c["chat_template"]
json.dump(c, open(sys.argv[2], "w"))' "$QWEN/tokenizer_config.json" "$WORK/base/tokenizer_config.json"
run_hfgit run --chat "$WORK/base" "hi"
check_eq "no chat_template: exit code" "$RC" 3
check_contains "no chat_template: says so" "$ERR" "tokenizer_config.json has no chat_template"
check_contains "no chat_template: says what to do" "$ERR" "give the conversation as plain text"
check_eq "no chat_template: nothing printed" "$(cat "$WORK/out" | wc -c)" 0
# The plain prompt still runs there.
run_hfgit run -q --max-new-tokens 2 "$WORK/base" "hi"
check_eq "no chat_template: plain text runs" "$RC" 0
finish
