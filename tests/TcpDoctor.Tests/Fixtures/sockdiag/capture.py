#!/usr/bin/env python3
"""Records raw NETLINK_SOCK_DIAG datagrams for the SockDiagReader tests (SockDiagReplayTests).

Run as root in a throw-away namespace, from this directory:
    ip netns add tdcap && ip -n tdcap link set lo up
    ip netns exec tdcap python3 capture.py
    ip netns delete tdcap

It makes 1 listener on 127.0.0.1:5555, 20 ESTABLISHED pairs through it and 4 TIME_WAIT (the client
closes first), then writes one datagram per line in hex:
    ipv4-dump.hex        AF_INET dump with INFO|CONG|SKMEMINFO|SHUTDOWN, read with an 8 KiB buffer
                         so the kernel splits it into several datagrams (the last holds NLMSG_DONE)
    done-enoent.hex      a dump for protocol 200, which has no inet_diag handler: NLMSG_DONE(-ENOENT)
    error-enoent.hex     a dump for family AF_UNSPEC: NLMSG_ERROR(-ENOENT)
"""
import os, socket, struct, time

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
EXT = 0x02 | 0x08 | 0x40 | 0x80          # INFO, CONG, SKMEMINFO, SHUTDOWN (what tcpdoctor asks for)
ALL_STATES = 0x1FFF


def request(seq, family, protocol, ext):
    req = struct.pack("=BBBBI", family, protocol, ext, 0, ALL_STATES) + bytes(48)
    return struct.pack("=IHHII", 16 + len(req), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + req


def dump(seq, family, protocol, ext):
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    nl.send(request(seq, family, protocol, ext))
    datagrams = []
    while True:
        data = nl.recv(8192)
        datagrams.append(data)
        offset, done = 0, False
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            done |= kind in (2, 3)
            offset += (length + 3) & ~3
        if done:
            nl.close()
            return datagrams


def write(name, datagrams, note):
    with open(name, "w") as f:
        f.write(f"# {note}\n# captured by capture.py on Linux {os.uname().release}; one datagram per line, hex\n")
        for d in datagrams:
            f.write(d.hex() + "\n")


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 5555))
listener.listen(64)
held = []
for _ in range(20):
    c = socket.create_connection(("127.0.0.1", 5555))
    s, _ = listener.accept()
    held += [c, s]
for _ in range(4):
    c = socket.create_connection(("127.0.0.1", 5555))
    s, _ = listener.accept()
    c.close()
    s.recv(1)
    s.close()
time.sleep(0.2)

write("ipv4-dump.hex", dump(7, socket.AF_INET, 6, EXT), "AF_INET dump: 1 LISTEN, 40 ESTABLISHED, 4 TIME_WAIT")
write("done-enoent.hex", dump(8, socket.AF_INET, 200, 0), "dump for protocol 200 (no handler): NLMSG_DONE -ENOENT")
write("error-enoent.hex", dump(9, 0, 6, 0), "dump for family AF_UNSPEC: NLMSG_ERROR -ENOENT")
