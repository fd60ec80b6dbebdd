# Shared by the benchmark scripts (sourced): nginx as the CDN in front of a hub's LFS store,
# wall-clock timing with the peak RSS, medians, and PyTorch at its best as the peer. Expects
# $work (a scratch directory), $root and $build.

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

# field KEY FILE: the value of a KEY=value line.
field() { sed -n "s/^$1=//p" "$2"; }

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# PyTorch at its best on this machine (the peer of forward.sh and llm.sh): with OpenBLAS,
# OMP_WAIT_POLICY=PASSIVE (else torch's OpenMP threads spin against OpenBLAS's on the cores)
# and OPENBLAS_CORETYPE set for this CPU (OpenBLAS 0.3.21 misdetects it and runs old kernels).
# OpenBLAS is Debian's libopenblas0-pthread, fetched with apt-get download and unpacked into
# the build folder, and given to torch through LD_LIBRARY_PATH: installing it would re-point
# the system's libblas.so.3 alternative and change torch for everyone (and the tests).
# torch_setup sets $py, $openblas_lib and $coretype (empty where no kernel set fits).
torch_setup() {
	py=/usr/bin/python3
	$py -c 'import torch' 2>/dev/null || sh third_party/install-deps.sh --extra
	openblas=$root/$build/bench-openblas
	openblas_lib=$openblas/usr/lib/x86_64-linux-gnu/openblas-pthread
	if [ ! -f "$openblas_lib/libblas.so.3" ]; then
		mkdir -p "$openblas"
		(cd "$openblas" && apt-get download -q libopenblas0-pthread >/dev/null 2>&1 &&
			dpkg -x libopenblas0-pthread_*.deb .) ||
			{ echo "cannot fetch libopenblas0-pthread (apt-get download)" >&2; exit 1; }
	fi
	if grep -q avx512f /proc/cpuinfo; then coretype=SkylakeX
	elif grep -q avx2 /proc/cpuinfo; then coretype=Haswell
	else coretype=; fi
}

# torch_best THREADS SCRIPT ARGS...: a torch script in that set-up; torch_auto the same with
# OpenBLAS's own detection of the CPU.
torch_best() {
	t=$1
	shift
	LD_LIBRARY_PATH=$openblas_lib OPENBLAS_CORETYPE=$coretype OMP_WAIT_POLICY=PASSIVE \
		THREADS=$t $py "$@"
}
torch_auto() {
	t=$1
	shift
	LD_LIBRARY_PATH=$openblas_lib OMP_WAIT_POLICY=PASSIVE THREADS=$t $py "$@"
}

# best FILES KEY low|high: the best value of KEY over the files (one per round).
best_of() {
	k=$1 way=$2
	shift 2
	for f in "$@"; do field "$k" "$f"; done |
		sort -g | if [ "$way" = low ]; then head -n 1; else tail -n 1; fi
}
