"""Fixed loopback ports for the servers whose port must be known before they start.

Most test servers bind port 0 and report the port the kernel gave them. A TLS front (nginx)
and the hub behind it cannot: the hub's download links must name nginx's port, and nginx's
configuration the hub's. Picking a port by binding 0 and releasing it raced with every other
test running beside: the kernel hands the same ephemeral ports to other servers and to the
source side of outgoing connections, and a test once talked TLS to another test's plain HTTP
server. So ports are chosen here:

  claim OWNER      prints a port below the kernel's ephemeral range (which nothing else on the
                   machine is given without asking for it), reserved for OWNER (the test's
                   scratch directory) by an atomic symlink in a directory shared by the tests;
                   a claim whose owner is gone is taken back
  release OWNER    drops OWNER's claims
  wait PORT PID    waits until process PID itself listens on 127.0.0.1:PORT; fails at once,
                   saying so, if another process holds the port, or if PID exits
"""

import os
import random
import socket
import sys
import tempfile
import time

CLAIMS = os.path.join(os.environ.get("TMPDIR") or tempfile.gettempdir(), "hfgit-test-ports")


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def bindable(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def claim(owner):
    os.makedirs(CLAIMS, exist_ok=True)
    low = 10000
    high = ephemeral_low() - 1
    if high - low < 1000:
        sys.exit("ports.py: the ephemeral port range starts at %d: no room below it" % (high + 1))
    for _ in range(1000):
        port = random.randint(low, high)
        link = os.path.join(CLAIMS, str(port))
        try:
            os.symlink(owner, link)
        except FileExistsError:
            if os.path.exists(link):  # the owner's scratch directory still exists
                continue
            try:
                os.unlink(link)
                os.symlink(owner, link)
            except OSError:
                continue
        if bindable(port):
            print(port)
            return
        os.unlink(link)
    sys.exit("ports.py: no free port found below %d" % (high + 1))


def release(owner):
    try:
        names = os.listdir(CLAIMS)
    except FileNotFoundError:
        return
    for name in names:
        link = os.path.join(CLAIMS, name)
        try:
            if os.readlink(link) == owner:
                os.unlink(link)
        except OSError:
            pass


def listening_inode(port):
    """The inode of the socket listening on 127.0.0.1:port, or None."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":  # TCP_LISTEN
                return fields[9]
    return None


def holds(pid, inode):
    fds = "/proc/%d/fd" % pid
    for fd in os.listdir(fds):
        try:
            if os.readlink(os.path.join(fds, fd)) == "socket:[%s]" % inode:
                return True
        except OSError:
            pass
    return False


def exited(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def wait(port, pid):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if exited(pid):
            sys.exit("the server exited before it listened on port %d" % port)
        inode = listening_inode(port)
        if inode is not None:
            try:
                if holds(pid, inode):
                    return
            except OSError:
                sys.exit("the server exited before it listened on port %d" % port)
            # Two sockets cannot listen on one address and port (no test server sets
            # SO_REUSEPORT): ours will not get it.
            sys.exit("port %d is held by another process, not by the server started" % port)
        time.sleep(0.05)
    sys.exit("the server did not listen on port %d within 10 s" % port)


def main():
    cmd = sys.argv[1]
    if cmd == "claim":
        claim(sys.argv[2])
    elif cmd == "release":
        release(sys.argv[2])
    elif cmd == "wait":
        wait(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit("usage: ports.py claim OWNER | release OWNER | wait PORT PID")


if __name__ == "__main__":
    main()
