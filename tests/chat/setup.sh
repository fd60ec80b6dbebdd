#!/bin/sh
# Installs @huggingface/jinja from the npm registry into BUILD/chat-ref (the build folder,
# never globally). Without the registry this fails, loudly: the comparison is the point.
#
#   setup.sh SOURCE_DIR BUILD_DIR
set -eu
src=$(cd "$1" && pwd)
mkdir -p "$2"
ref=$(cd "$2" && pwd)/chat-ref

for tool in node npm; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "chat setup: '$tool' not found: run third_party/install-deps.sh (Debian's nodejs and npm)" >&2
		exit 1
	}
done
mkdir -p "$ref"
if ! cmp -s "$src/package.json" "$ref/package.json" || [ ! -d "$ref/node_modules/@huggingface/jinja" ]; then
	cp "$src/package.json" "$ref/package.json"
	if ! (cd "$ref" && npm install --no-audit --no-fund --no-package-lock --loglevel=error); then
		echo "chat setup: npm could not install @huggingface/jinja 0.5.11 from the npm registry;" >&2
		echo "the chat template tests need it (check network access to the npm registry)" >&2
		rm -f "$ref/package.json"
		exit 1
	fi
fi
node --input-type=module -e "import('$ref/node_modules/@huggingface/jinja/dist/index.js')" || {
	echo "chat setup: @huggingface/jinja does not load under this node" >&2
	exit 1
}
