#!/bin/sh
# Networks where the hub is not reached directly: every way of naming a proxy (the variables
# in both cases, git's http.proxy, no_proxy) and of trusting an internal CA (GIT_SSL_CAINFO,
# SSL_CERT_FILE, CURL_CA_BUNDLE, git's http.sslCAInfo), for git and LFS traffic alike, with a
# real forward proxy (tinyproxy) and real TLS (nginx) on loopback.
HFGIT_TEST_NET=
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model
cd "$WORK"
sha() { sha256sum "$1" | cut -d' ' -f1; }

# clone_with HOW VALUE DEST: a clone into DEST (with a cache of its own) where HOW, an
# environment variable or git-config:KEY (in the global git config), is set to VALUE.
clone_with() {
	case $1 in
	git-config:*)
		git config --global "${1#git-config:}" "$2"
		HFGIT_HOME=$WORK/caches/$3 run_hfgit clone -q "$MODEL" "$3"
		git config --global --unset "${1#git-config:}"
		;;
	*)
		env "$1=$2" HFGIT_HOME="$WORK/caches/$3" "$HFGIT" clone -q "$MODEL" "$3" \
			>"$WORK/out" 2>"$WORK/err" && RC=0 || RC=$?
		ERR=$(cat "$WORK/err")
		;;
	esac
}

# --- proxies -----------------------------------------------------------------------------

start_hub hub
start_proxy
proxy=$PROXY_URL
unset http_proxy HTTP_PROXY https_proxy
export HF_ENDPOINT=$hub_URL

# via_since MARK: how many of the hub's requests after MARK came through the proxy, of all.
via_since() {
	tail -n +"$(($1 + 1))" "$hub_LOG" | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin]
print("%d/%d" % (sum("hfgit-test-proxy" in (r.get("via") or "") for r in rs), len(rs)))'
}
n=0
for how in http_proxy HTTP_PROXY all_proxy ALL_PROXY git-config:http.proxy; do
	n=$((n + 1))
	mark=$(log_mark "$hub_LOG")
	clone_with "$how" "$proxy" "p$n"
	check_eq "$how: clone ($ERR)" "$RC" 0
	check_eq "$how: content" "$(sha "p$n/model.safetensors")" "$MODEL_OID"
	total=$(via_since "$mark" | cut -d/ -f2)
	check_eq "$how: every git and LFS request through the proxy" "$(via_since "$mark")" "$total/$total"
	[ "$total" -ge 4 ] && pass || fail "$how: only $total requests"
done

# git's http.proxy wins over the environment (as in git); no_proxy exempts the hub.
git config --global http.proxy "$proxy"
mark=$(log_mark "$hub_LOG")
http_proxy=http://127.0.0.1:1 HFGIT_HOME=$WORK/caches/pw run_hfgit clone -q "$MODEL" pw
check_eq "http.proxy wins over http_proxy ($ERR)" "$RC" 0
git config --global --unset http.proxy
mark=$(log_mark "$hub_LOG")
http_proxy=$proxy no_proxy=127.0.0.1 HFGIT_HOME=$WORK/caches/np run_hfgit clone -q "$MODEL" np
check_eq "no_proxy: clone ($ERR)" "$RC" 0
check_eq "no_proxy: nothing through the proxy" "$(via_since "$mark" | cut -d/ -f1)" 0
# A proxy that is not there: the message names it.
http_proxy=http://127.0.0.1:1 HFGIT_HOME=$WORK/caches/dead run_hfgit clone -q "$MODEL" dead
check_eq "dead proxy: exit code" "$RC" 5
check_contains "dead proxy: says so" "$ERR" "through the proxy http://127.0.0.1:1"

# --- trusted CAs ---------------------------------------------------------------------------

make_ca
NET_HUB_PORT=$(free_port) NET_CDN_PORT=$(free_port) NET_TLS_HUB=$(free_port) NET_TLS_CDN=$(free_port)
start_hub tlshub --port "$NET_HUB_PORT" --cdn-port "$NET_CDN_PORT" \
	--cdn-url "https://localhost:$NET_TLS_CDN"
start_tls_front tlshub "$NET_HUB_PORT" "$NET_CDN_PORT" "$NET_TLS_HUB" "$NET_TLS_CDN"
export HF_ENDPOINT=https://localhost:$NET_TLS_HUB
unset GIT_SSL_CAINFO SSL_CERT_FILE CURL_CA_BUNDLE || true

HFGIT_HOME=$WORK/caches/untrusted run_hfgit clone -q "$MODEL" untrusted
check_eq "untrusted CA: exit code" "$RC" 5
check_contains "untrusted CA: what to do" "$ERR" "GIT_SSL_CAINFO"
n=0
for var in GIT_SSL_CAINFO SSL_CERT_FILE CURL_CA_BUNDLE git-config:http.sslCAInfo; do
	n=$((n + 1))
	clone_with "$var" "$TLS_CA" "t$n"
	check_eq "$var: clone over TLS ($ERR)" "$RC" 0
	check_eq "$var: content" "$(sha "t$n/model.safetensors")" "$MODEL_OID"
done
check_eq "every request came over TLS" "$(python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
print(all(r.get("forwarded_proto") == "https" for r in rs) and len(rs) > 8)' "$tlshub_LOG")" True

finish
