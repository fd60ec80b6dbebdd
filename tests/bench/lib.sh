# Shared by the benchmark scripts (sourced): nginx as the CDN in front of a hub's LFS store,
# wall-clock timing with the peak RSS, and medians. Expects $work (a scratch directory).

# start_cdn STORE: nginx on a free loopback port serving STORE/objects/ab/cd/<oid>; sets
# $cdn_port and stops with stop_cdn.
start_cdn() {
	cdn_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$work/nginx"
	cat >"$work/nginx/nginx.conf" <<CONF
daemon on;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$cdn_port;
        location /objects/ { root $1; }
    }
}
CONF
	nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"
}

stop_cdn() {
	[ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null
	rm -f "$work/nginx/nginx.pid"
}

# seconds COMMAND...: wall time of one run; the peak RSS of the command goes to $work/rss.
# Dirty pages of the previous run are written out first (not timed), so no run pays for
# another's writeback.
seconds() {
	sync
	python3 -c 'import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[2:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%.3f" % (time.perf_counter() - t))
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
		"$work/rss" "$@"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# cc_driver OUT SOURCE: a benchmark driver linked against the build's shared library, as any C
# program would be (the library carries its own dependencies, so no list of them here).
cc_driver() {
	cc -O2 -o "$1" "$2" -I "$root/lib/include" -L "$root/$build" -lhfgit \
		-Wl,-rpath,"$root/$build" -lm
}
