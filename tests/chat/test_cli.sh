#!/bin/sh
# hfgit chat-template: a checkout's tokenizer_config.json rendered for messages from a file or
# standard input, compared byte for byte with @huggingface/jinja; the options, the errors, and
# a model id cloned from the local test hub.
#
#   test_cli.sh HFGIT FIXTURES NODE_MODULES
. "$(dirname "$0")/../integration/lib.sh"
MODULES=$3
REF=$TESTS_DIR/chat/render_ref.mjs

# ref NAME TEMPLATE_FILE CONTEXT_JSON: the reference's rendering into $WORK/NAME.ref
ref() {
	printf '%s' "$3" >"$WORK/$1.ctx"
	node "$REF" "$MODULES" "$2" "$WORK/$1.ctx" >"$WORK/$1.ref"
}

# same WHAT NAME: hfgit's last stdout equals the reference's $WORK/NAME.ref, byte for byte
same() {
	if cmp -s "$WORK/out" "$WORK/$2.ref"; then pass; else
		fail "$1: hfgit printed '$(cat "$WORK/out")', the reference '$(cat "$WORK/$2.ref")'"
	fi
}

M=$WORK/model
mkdir -p "$M"
# ChatML with a default system prompt, and a tool-use variant; the special tokens as the
# AddedToken objects transformers writes.
cat >"$WORK/default.jinja" <<'T'
{%- for message in messages %}
    {%- if loop.first and messages[0]['role'] != 'system' %}
        {{- bos_token ~ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
    {{- '<|im_start|>' + message['role'] + '\n' + message['content'] | trim + '<|im_end|>\n' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- else %}
    {{- eos_token }}
{%- endif %}
T
cat >"$WORK/tools.jinja" <<'T'
{{- bos_token }}{% for tool in tools or [] %}<tool>{{ tool | tojson(indent=2) }}</tool>
{% endfor %}{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}{{ raise_exception('Unknown role: ' ~ m.role) }}{% endif %}[{{ m.role | upper }}] {{ m.content }}
{% endfor %}
T
python3 - "$M/tokenizer_config.json" "$WORK/default.jinja" "$WORK/tools.jinja" <<'P'
import json, sys
def token(s):
    return {"__type": "AddedToken", "content": s, "lstrip": False, "normalized": False,
            "rstrip": False, "single_word": False}
config = {"bos_token": token("<|bos|>"), "eos_token": "<|im_end|>", "model_max_length": 32768,
          "chat_template": [{"name": "default", "template": open(sys.argv[2]).read()},
                            {"name": "tool_use", "template": open(sys.argv[3]).read()}]}
json.dump(config, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
P
MESSAGES='[{"role": "user", "content": "  Hi — ça va? 🤗\n"}, {"role": "assistant", "content": "Yes \"fine\" \\ ok"}, {"role": "user", "content": "Bye"}]'
printf '%s' "$MESSAGES" >"$WORK/messages.json"
TOOLS='[{"type": "function", "function": {"name": "get_time", "parameters": {"tz": "UTC±0"}}}]'

ref gen "$WORK/default.jinja" "{\"messages\": $MESSAGES, \"add_generation_prompt\": true, \"bos_token\": \"<|bos|>\", \"eos_token\": \"<|im_end|>\"}"
ref nogen "$WORK/default.jinja" "{\"messages\": $MESSAGES, \"add_generation_prompt\": false, \"bos_token\": \"<|bos|>\", \"eos_token\": \"<|im_end|>\"}"
ref tools "$WORK/tools.jinja" "{\"messages\": $MESSAGES, \"add_generation_prompt\": true, \"bos_token\": \"<|bos|>\", \"eos_token\": \"<|im_end|>\", \"tools\": $TOOLS}"

run_hfgit chat-template "$M" "$WORK/messages.json"
check_eq "file: exit code ($ERR)" "$RC" 0
same "file" gen
set +e
"$HFGIT" chat-template "$M" - <"$WORK/messages.json" >"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check_eq "stdin '-': exit code" "$RC" 0
same "stdin '-'" gen
set +e
"$HFGIT" chat-template "$M" <"$WORK/messages.json" >"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check_eq "stdin: exit code" "$RC" 0
same "stdin" gen
run_hfgit chat-template --no-generation-prompt "$M" "$WORK/messages.json"
check_eq "no generation prompt: exit code" "$RC" 0
same "no generation prompt" nogen
run_hfgit chat-template --template tool_use --context "{\"tools\": $TOOLS}" "$M" "$WORK/messages.json"
check_eq "named template: exit code ($ERR)" "$RC" 0
same "named template with tools" tools
run_hfgit chat-template --json "$M" "$WORK/messages.json"
check_eq "json: exit code" "$RC" 0
printf '%s' "$OUT" | python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["prompt"])' >"$WORK/out"
same "json: prompt" gen
run_hfgit chat-template --help
check_contains "help" "$OUT" "--no-generation-prompt"
run_hfgit --help
check_contains "hfgit --help lists chat-template" "$OUT" "  chat-template  the prompt tokenizer_config.json"

# chat_template.jinja beside tokenizer_config.json wins for the default template, and
# additional_chat_templates/NAME.jinja holds named ones (transformers reads them so).
J=$WORK/jinja-model
mkdir -p "$J/additional_chat_templates"
cp "$M/tokenizer_config.json" "$J/"
cp "$WORK/tools.jinja" "$J/chat_template.jinja"
printf '{%% for m in messages %%}<{{ m.role }}>{{ m.content|trim }}\n{%% endfor %%}' >"$J/additional_chat_templates/plain.jinja"
ref plain "$J/additional_chat_templates/plain.jinja" "{\"messages\": $MESSAGES}"
run_hfgit chat-template --context "{\"tools\": $TOOLS}" "$J" "$WORK/messages.json"
check_eq "chat_template.jinja: exit code ($ERR)" "$RC" 0
same "chat_template.jinja wins over tokenizer_config.json" tools
run_hfgit chat-template --template plain "$J" "$WORK/messages.json"
check_eq "additional_chat_templates: exit code ($ERR)" "$RC" 0
same "additional_chat_templates/plain.jinja" plain
run_hfgit chat-template --template tool_use --context "{\"tools\": $TOOLS}" "$J" "$WORK/messages.json"
same "a named template of tokenizer_config.json when no file has the name" tools
printf '{%% if %%}' >"$J/additional_chat_templates/broken.jinja"
run_hfgit chat-template --template broken "$J" "$WORK/messages.json"
check_eq "broken template file: exit code" "$RC" 2
check_contains "broken template file: named" "$ERR" "additional_chat_templates/broken.jinja: chat template line 1"
rm "$J/tokenizer_config.json"
run_hfgit chat-template "$J" "$WORK/messages.json"
check_eq "chat_template.jinja alone: exit code ($ERR)" "$RC" 0

# --- Errors ------------------------------------------------------------------------------------
run_hfgit chat-template --template rag "$M" "$WORK/messages.json"
check_eq "unknown template name: exit code" "$RC" 3
check_contains "unknown template name: names the choices" "$ERR" "default, tool_use"
printf '[{"role": "robot", "content": "beep"}]' >"$WORK/robot.json"
run_hfgit chat-template --template tool_use "$M" "$WORK/robot.json"
check_eq "raise_exception: exit code" "$RC" 2
check_contains "raise_exception: the template's message" "$ERR" "Unknown role: robot"
printf '[{"role": "user", "content": "x"' >"$WORK/bad.json"
run_hfgit chat-template "$M" "$WORK/bad.json"
check_eq "bad JSON: exit code" "$RC" 2
check_contains "bad JSON: says so" "$ERR" "the messages is not valid JSON"
printf '{"role": "user"}' >"$WORK/notlist.json"
run_hfgit chat-template "$M" "$WORK/notlist.json"
check_eq "not a list: exit code" "$RC" 2
check_contains "not a list: says what is wanted" "$ERR" "JSON list"
run_hfgit chat-template "$M" "$WORK/none.json"
check_eq "missing messages file" "$RC" 8
run_hfgit chat-template --frob "$M"
check_eq "unknown option" "$RC" 2
run_hfgit chat-template
check_eq "no model" "$RC" 2
run_hfgit chat-template ./no/such/dir "$WORK/messages.json"
check_eq "missing directory" "$RC" 3
mkdir -p "$WORK/plain"
printf '{"do_lower_case": true}' >"$WORK/plain/tokenizer_config.json"
run_hfgit chat-template "$WORK/plain" "$WORK/messages.json"
check_eq "no chat_template: exit code" "$RC" 3
check_contains "no chat_template: says so" "$ERR" "has no chat_template"
printf '{"chat_template": "{%% for m in messages %%}{{ m.content|shout }}{%% endfor %%}"}' \
	>"$WORK/plain/tokenizer_config.json"
run_hfgit chat-template "$WORK/plain" "$WORK/messages.json"
check_eq "unknown filter: exit code" "$RC" 2
check_contains "unknown filter: named with its line" "$ERR" "chat template line 1: unknown filter 'shout'"

# --- A model id: cloned into the cache (its tokenizer_config.json has no chat template) ----------
. "$FIXTURES/facts/tiny-model.env"
start_hub hub
export HF_ENDPOINT=$hub_URL
run_hfgit chat-template -q "$REPO_ID@main" "$WORK/messages.json"
check_eq "id: exit code" "$RC" 3
check_contains "id: the checkout's file has no template" "$ERR" "checkouts/$REPO_ID/$MAIN_COMMIT/tokenizer_config.json has no chat_template"
[ -f "$HFGIT_HOME/checkouts/$REPO_ID/$MAIN_COMMIT/tokenizer_config.json" ] && pass ||
	fail "id: no checkout at checkouts/$REPO_ID/$MAIN_COMMIT"
run_hfgit chat-template -q "$REPO_ID@no-such-branch" "$WORK/messages.json"
check_eq "id: unknown revision" "$RC" 3
finish
