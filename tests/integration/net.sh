# How the integration tests reach their hubs, sourced by lib.sh. HFGIT_TEST_NET picks it:
#
#   (unset)  directly, over plain HTTP on loopback;
#   proxy    through a real forward proxy (tinyproxy on loopback), found by hfgit, git and
#            git-lfs in $http_proxy; finish() checks in the hub's log that every request
#            came through it (tinyproxy's Via header);
#   tls      over real TLS: nginx on loopback terminates https:// for the hub and for the
#            CDN, with a CA and a `localhost` certificate made by openssl here, trusted only
#            through $GIT_SSL_CAINFO; finish() checks every request came over it.
#
# Everything listens on 127.0.0.1 only and stops with the test.

HFGIT_TEST_NET=${HFGIT_TEST_NET:-}
NET_LOGS=

# free_port: a port for a server that must be told its port (see ports.py), this test's until
# it ends.
free_port() {
	python3 "$TESTS_DIR/integration/ports.py" claim "$WORK"
}

wait_port() { # PORT PID WHAT
	if ! python3 "$TESTS_DIR/integration/ports.py" wait "$1" "$2"; then
		echo "$3 did not start" >&2
		cat "$WORK/$3.out" >&2 2>/dev/null || true
		exit 1
	fi
}

start_proxy() {
	[ -z "${PROXY_URL:-}" ] || return 0
	command -v tinyproxy >/dev/null || { echo "tinyproxy is not installed" >&2; exit 1; }
	port=$(free_port)
	mkdir -p "$WORK/proxy"
	chmod 777 "$WORK/proxy" # tinyproxy drops to nobody, who must reach its log
	chmod o+x "$WORK"
	cat >"$WORK/proxy/tinyproxy.conf" <<EOF
User nobody
Group nogroup
Port $port
Listen 127.0.0.1
Timeout 600
LogFile "$WORK/proxy/tinyproxy.log"
LogLevel Info
MaxClients 200
Allow 127.0.0.1
ViaProxyName "hfgit-test-proxy"
EOF
	tinyproxy -d -c "$WORK/proxy/tinyproxy.conf" >"$WORK/proxy.out" 2>&1 &
	HUB_PIDS="$HUB_PIDS $!"
	wait_port "$port" $! proxy
	PROXY_URL=http://127.0.0.1:$port
	# Upper case for hfgit, lower case for git and git-lfs; nothing exempt.
	export http_proxy=$PROXY_URL HTTP_PROXY=$PROXY_URL https_proxy=$PROXY_URL
	unset no_proxy NO_PROXY || true
}

make_ca() {
	[ -z "${TLS_CA:-}" ] || return 0
	dir=$WORK/tls
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hfgit test CA" \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/localhost.key" \
		-out "$dir/localhost.csr" 2>/dev/null
	printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$dir/ext.cnf"
	openssl x509 -req -in "$dir/localhost.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -extfile "$dir/ext.cnf" -out "$dir/localhost.pem" 2>/dev/null
	TLS_CA=$dir/ca.pem
}

# start_tls_front NAME HUB_PORT CDN_PORT TLS_HUB_PORT TLS_CDN_PORT
start_tls_front() {
	command -v nginx >/dev/null || { echo "nginx is not installed" >&2; exit 1; }
	dir=$WORK/nginx-$1
	mkdir -p "$dir"
	chmod 777 "$dir"
	cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 256; }
http {
	access_log $dir/access.log;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	client_max_body_size 0;
	proxy_http_version 1.1;
	proxy_buffering off;
	proxy_request_buffering off;
	proxy_read_timeout 600s;
	proxy_set_header Host \$http_host;
	proxy_set_header Connection "";
	proxy_set_header X-Forwarded-Proto https;
	ssl_certificate $WORK/tls/localhost.pem;
	ssl_certificate_key $WORK/tls/localhost.key;
	server {
		listen 127.0.0.1:$4 ssl;
		server_name localhost;
		location / { proxy_pass http://127.0.0.1:$2; }
	}
	server {
		listen 127.0.0.1:$5 ssl;
		server_name localhost;
		location / { proxy_pass http://127.0.0.1:$3; }
	}
}
EOF
	nginx -p "$dir" -c "$dir/nginx.conf" >"$WORK/nginx-$1.out" 2>&1 &
	HUB_PIDS="$HUB_PIDS $!"
	wait_port "$4" $! "nginx-$1"
	wait_port "$5" $! "nginx-$1"
}

# net_hub_args NAME: NET_HUB_ARGS, extra hub options for the mode (for tls, ports chosen in
# advance: the hub's download hrefs must name the TLS front of its CDN).
net_hub_args() {
	NET_HUB_ARGS=
	case $HFGIT_TEST_NET in
	tls)
		make_ca
		NET_HUB_PORT=$(free_port) NET_CDN_PORT=$(free_port)
		NET_TLS_HUB=$(free_port) NET_TLS_CDN=$(free_port)
		NET_HUB_ARGS="--port $NET_HUB_PORT --cdn-port $NET_CDN_PORT --cdn-url https://localhost:$NET_TLS_CDN"
		;;
	esac
}

# net_hub_started NAME: the hub runs; point NAME_URL and NAME_CDN where clients must go.
net_hub_started() {
	NET_LOGS="$NET_LOGS $WORK/$1.log"
	case $HFGIT_TEST_NET in
	proxy) start_proxy ;;
	tls)
		start_tls_front "$1" "$NET_HUB_PORT" "$NET_CDN_PORT" "$NET_TLS_HUB" "$NET_TLS_CDN"
		eval "${1}_URL=https://localhost:$NET_TLS_HUB ${1}_CDN=https://localhost:$NET_TLS_CDN"
		export GIT_SSL_CAINFO=$TLS_CA HFGIT_TEST_CA=$TLS_CA
		;;
	"") ;;
	*) echo "HFGIT_TEST_NET must be proxy or tls, not '$HFGIT_TEST_NET'" >&2; exit 1 ;;
	esac
}

# Every request the hubs saw came through the proxy, or over TLS.
net_check() {
	[ -n "$HFGIT_TEST_NET" ] || return 0
	# shellcheck disable=SC2086 # one argument per log
	bad=$(cat $NET_LOGS 2>/dev/null | python3 -c '
import json, sys
mode = sys.argv[1]
n = bad = 0
for line in sys.stdin:
    r = json.loads(line)
    n += 1
    ok = "hfgit-test-proxy" in (r.get("via") or "") if mode == "proxy" else r.get("forwarded_proto") == "https"
    if not ok:
        bad += 1
        print("%s %s %s %s" % (r["server"], r["method"], r["path"], r.get("user_agent")))
print("%d requests" % n, file=sys.stderr)' "$HFGIT_TEST_NET" 2>"$WORK/net.count")
	check_eq "$HFGIT_TEST_NET: every request of git, git-lfs and hfgit came that way ($(cat "$WORK/net.count"))" \
		"$bad" ""
	[ "$HFGIT_TEST_NET" = proxy ] || return 0
	# And the proxy's own log has each of them: the same method and path, as often.
	# shellcheck disable=SC2086
	missing=$(cat $NET_LOGS | python3 -c '
import collections, json, re, sys
from urllib.parse import unquote, urlsplit
seen = collections.Counter()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"Request \(file descriptor \d+\): (\S+) (\S+) HTTP/", line)
    if m:
        seen[(m.group(1), unquote(urlsplit(m.group(2)).path))] += 1
want = collections.Counter((r["method"], r["path"]) for r in map(json.loads, sys.stdin))
for key, n in sorted(want.items()):
    if seen[key] < n:
        print("%s %s: %d at the hub, %d in the proxy log" % (key[0], key[1], n, seen[key]))' \
		"$WORK/proxy/tinyproxy.log")
	check_eq "proxy: its log has every request the hubs saw" "$missing" ""
}
