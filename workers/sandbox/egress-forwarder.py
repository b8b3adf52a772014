# The script sandbox's egress forwarder (script.network: Allowlist), run by /usr/bin/python3 as the
# first process inside bwrap, before the script (see script-egress.ts for the whole design):
#   egress-forwarder.py CONFIG.json -- COMMAND ARGS...
# 1. Makes a network namespace of its own. bwrap's --disable-userns runs the sandbox in a nested
#    user namespace, which holds no capability over bwrap's network namespace, so binding port 443
#    or adding an address there fails; a namespace made here is ours. It has only `lo`.
# 2. Adds each allowlisted non-loopback address to `lo`, and listens on every allowlisted
#    address:port (host names are mapped to 127.1.0.N by the /etc/hosts the worker generated).
# 3. Drops every capability (bounding set included), then execs COMMAND in this process; a detached
#    grandchild forwards each accepted connection to the worker's unix socket with a first line
#    "DESTINATION PORT". The worker checks that line against script.egressAllowlist itself (this
#    program runs as the script's uid, so it is no more trusted than the script), connects, and
#    answers "OK" (then bytes flow both ways) or "ERR reason" (the script sees a reset connection).
# Every other destination has no listener here and no route: the script gets "connection refused",
# "network is unreachable" or, for a name, "Name or service not known".
import ctypes
import errno
import fcntl
import json
import os
import selectors
import socket
import struct
import sys

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCSIFADDR, SIOCSIFNETMASK = 0x8913, 0x8914, 0x8916, 0x891C
IFF_UP = 0x1
PR_CAPBSET_DROP = 24
LINUX_CAPABILITY_VERSION_3 = 0x20080522
BUFFER = 64 * 1024
STATUS_MAX = 1024

libc = ctypes.CDLL(None, use_errno=True)


def check(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def own_network():
    check(libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", b"lo", 0)
        (flags,) = struct.unpack_from("16xH", fcntl.ioctl(s, SIOCGIFFLAGS, req))
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def add_address(index, address, family):
    if family == 4:
        label = f"lo:{index}".encode()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for req, value in ((SIOCSIFADDR, address), (SIOCSIFNETMASK, "255.255.255.255")):
                addr = socket.inet_aton(value)
                fcntl.ioctl(s, req, struct.pack("16sHH4s8x", label, socket.AF_INET, 0, addr))
    else:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            addr = socket.inet_pton(socket.AF_INET6, address)
            fcntl.ioctl(s, SIOCSIFADDR, struct.pack("16sIi", addr, 128, socket.if_nametoindex("lo")))


def listen(entry):
    family = socket.AF_INET6 if entry["family"] == 6 else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((entry["address"], entry["port"]))
    s.listen(64)
    s.setblocking(False)
    return s


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:
                break  # past the last capability this kernel knows
            check(-1, f"prctl(PR_CAPBSET_DROP, {cap})")
    check(libc.capset(ctypes.byref(CapHeader(LINUX_CAPABILITY_VERSION_3, 0)), (CapData * 2)()), "capset")


class Connection:
    """One script connection: client (the script's TCP socket) <-> upstream (the worker's unix socket)."""

    def __init__(self, loop, client, entry):
        self.loop = loop
        self.client = client
        self.upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.upstream.setblocking(False)
        self.open = False  # True once the worker answered OK
        self.status = b""
        self.to_client = bytearray()
        self.to_upstream = bytearray(f"{entry['destination']} {entry['port']}\n".encode())
        self.client_eof = self.upstream_eof = False
        self.client_shut = self.upstream_shut = False
        self.upstream.connect(loop.socket_path)  # a unix socket: connected at once or an error

    def close(self, reset=False):
        self.loop.connections.discard(self)
        for s in (self.client, self.upstream):
            self.loop.watch(s, 0, self)
        try:
            if reset:  # the script sees "connection reset", not a clean end of stream
                self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            self.client.close()
            self.upstream.close()

    def on_ready(self, sock, mask):
        try:
            if mask & selectors.EVENT_WRITE:
                self.flush(sock)
            if mask & selectors.EVENT_READ:
                self.receive(sock)
            if self.client_eof and self.upstream_eof and not self.to_client and not self.to_upstream:
                return self.close()
            self.update()
        except OSError:
            self.close(reset=True)

    def flush(self, sock):
        buf = self.to_client if sock is self.client else self.to_upstream
        if buf:
            del buf[: sock.send(buf)]

    def receive(self, sock):
        data = sock.recv(BUFFER)
        if sock is self.upstream and not self.open:
            return self.read_status(data)
        if not data:
            if sock is self.client:
                self.client_eof = True
            else:
                self.upstream_eof = True
            return
        (self.to_upstream if sock is self.client else self.to_client).extend(data)

    def read_status(self, data):
        self.status += data
        line, newline, rest = self.status.partition(b"\n")
        if not newline:
            if not data or len(self.status) > STATUS_MAX:
                raise OSError(errno.ECONNRESET, "the worker closed the egress socket")
            return
        if line != b"OK":
            raise OSError(errno.ECONNREFUSED, line.decode(errors="replace"))
        self.open = True
        self.to_client.extend(rest)

    def update(self):
        # Half-closes travel on once everything before them is delivered.
        if self.client_eof and not self.to_upstream and not self.upstream_shut:
            self.upstream.shutdown(socket.SHUT_WR)
            self.upstream_shut = True
        if self.upstream_eof and not self.to_client and not self.client_shut:
            self.client.shutdown(socket.SHUT_WR)
            self.client_shut = True
        read, write = selectors.EVENT_READ, selectors.EVENT_WRITE
        client = (read if self.open and not self.client_eof and len(self.to_upstream) < BUFFER else 0) | (
            write if self.to_client else 0
        )
        upstream = (read if not self.upstream_eof and len(self.to_client) < BUFFER else 0) | (
            write if self.to_upstream else 0
        )
        self.loop.watch(self.client, client, self)
        self.loop.watch(self.upstream, upstream, self)


class Loop:
    def __init__(self, config, listeners):
        self.selector = selectors.DefaultSelector()
        self.socket_path = config["socket"]
        self.max_connections = config["maxConnections"]
        self.connections = set()
        for sock, entry in listeners:
            self.selector.register(sock, selectors.EVENT_READ, (self.accept, entry))

    def watch(self, sock, events, conn):
        registered = sock in self.selector.get_map() if sock.fileno() >= 0 else False
        if not events:
            if registered:
                self.selector.unregister(sock)
        elif registered:
            self.selector.modify(sock, events, (conn.on_ready, sock))
        else:
            self.selector.register(sock, events, (conn.on_ready, sock))

    def accept(self, listener, entry):
        try:
            client, _ = listener.accept()
        except OSError:  # the script gave up on it already, or out of file descriptors
            return
        client.setblocking(False)
        if len(self.connections) >= self.max_connections:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            return
        try:
            conn = Connection(self, client, entry)
        except OSError:
            client.close()
            return
        self.connections.add(conn)
        conn.update()

    def run(self):
        while True:
            for key, mask in self.selector.select():
                handler, arg = key.data
                if handler == self.accept:
                    self.accept(key.fileobj, arg)
                else:
                    handler(arg, mask)


def main():
    config_path, separator, *command = sys.argv[1:]
    if separator != "--" or not command:
        sys.exit("usage: egress-forwarder.py CONFIG.json -- COMMAND ARGS...")
    with open(config_path) as f:
        config = json.load(f)
    own_network()
    for index, alias in enumerate(config["aliases"], start=1):
        add_address(index, alias["address"], alias["family"])
    listeners = [(listen(entry), entry) for entry in config["listeners"]]
    drop_capabilities()
    child = os.fork()
    if child == 0:
        # Detached from the script (reparented to bwrap's init), silent, and killed with the
        # sandbox's pid namespace when the script ends or the run is killed.
        if os.fork() != 0:
            os._exit(0)
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        try:
            Loop(config, listeners).run()
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    for sock, _ in listeners:
        sock.close()
    os.execv(command[0], command)


main()
