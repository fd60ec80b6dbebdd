#!/bin/sh
# Installs everything hfgit needs to build and test on Debian 12 (bookworm), as root.
# Idempotent: a second run changes nothing and is quick.
#
#   install-deps.sh          the build and the tests
#   install-deps.sh --extra  also what the benchmarks and fuzzing use: clang with libFuzzer,
#                            and python3-torch (regenerating the tiny models and the reference
#                            forward outputs, torch.load timings, the PyTorch side of
#                            tests/bench/forward.sh) with python3-jinja2 (the chat prompts of
#                            tests/data/llm, rendered as transformers renders them)
#
# libgit2 >= 1.7 is required for shallow fetch (git_fetch_options.depth); bookworm ships 1.5,
# so libgit2-dev comes from bookworm-backports (1.8.x there).
set -eu

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (it installs Debian packages)" >&2
	exit 1
fi

. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}

backports=/etc/apt/sources.list.d/hfgit-backports.sources
need_update=
if [ "$codename" = bookworm ] && [ ! -f "$backports" ]; then
	cat >"$backports" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

# nginx (TLS in front of the test hub), tinyproxy (a forward proxy) and openssl (the tests'
# CA) run on loopback in the network tests, started by the tests themselves.
packages="build-essential cmake pkg-config git git-lfs ca-certificates curl
	libcurl4-openssl-dev libjson-c-dev libxxhash-dev libssl-dev python3 libdnnl-dev
	libutf8proc-dev libpcre2-dev libpng-dev libjpeg62-turbo-dev python3-pil
	nginx-light tinyproxy openssl groff-base"
# libxsmm's code generator writes the kernels of the F32 products on packed weights
# (lib/tensor/smm.c), an x86 library: elsewhere oneDNN runs them.
if [ "$(dpkg --print-architecture)" = amd64 ]; then
	packages="$packages libxsmm-dev"
fi
# The tokenizer tests run Hugging Face's tokenizers (npm packages, installed by the tests into
# the build folder) under Node.js: Debian's nodejs and npm, unless a node and npm are there.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	packages="$packages nodejs npm"
fi
extra=
[ "${1:-}" = --extra ] && extra=1
[ -n "$extra" ] && packages="$packages clang libclang-rt-14-dev llvm python3-torch python3-jinja2"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
need_libgit2=
have_libgit2=$(dpkg-query -W -f='${Version}' libgit2-dev 2>/dev/null || true)
case "$have_libgit2" in
1.[7-9]*|1.[1-9][0-9]*|[2-9]*) ;;
*) need_libgit2=1 ;;
esac

if [ -n "$missing$need_libgit2" ]; then
	export DEBIAN_FRONTEND=noninteractive
	if [ -n "$need_update" ] || [ ! -d /var/lib/apt/lists ] || \
	   [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -i backports || true)" ]; then
		apt-get update -q
	fi
	# Packages must not start services (nginx would listen on every address): the benchmark
	# starts its own, on loopback.
	policy=/usr/sbin/policy-rc.d
	made_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod +x "$policy"
		made_policy=1
	fi
	install() {
		# shellcheck disable=SC2086
		[ -z "$missing" ] || apt-get install -y -q --no-install-recommends $missing
		# bookworm's own libgit2-dev is 1.5: only libgit2 comes from backports.
		if [ -n "$need_libgit2" ]; then
			if [ "$codename" = bookworm ]; then
				apt-get install -y -q --no-install-recommends -t bookworm-backports libgit2-dev
			else
				apt-get install -y -q --no-install-recommends libgit2-dev
			fi
		fi
	}
	install || { apt-get update -q && install; }
	[ -z "$made_policy" ] || rm -f "$policy"
fi

# nginx-light's package enables a default site on port 80; the tests start their own
# instance on loopback with their own configuration, so the system one stays off.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now nginx >/dev/null 2>&1 || true
	systemctl disable --now tinyproxy >/dev/null 2>&1 || true
fi

pkg-config --atleast-version=1.7 libgit2 || {
	echo "install-deps: libgit2 >= 1.7 not found after install (pkg-config libgit2: $(pkg-config --modversion libgit2 2>/dev/null || echo none))" >&2
	exit 1
}
