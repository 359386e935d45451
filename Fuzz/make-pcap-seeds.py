#!/usr/bin/env python3
"""Writes the pcap harness's seed corpus (Fuzz/corpus/pcap): small classic-pcap and pcapng
files covering every link type PacketDissector reads, both byte orders, both timestamp
precisions, a snap-length cut, and cut files. Run from the repository root."""
import struct


def hdr(link=1, magic=0xA1B2C3D4, snap=262144, be=False):
    return struct.pack(('>' if be else '<') + 'IHHiIII', magic, 2, 4, 0, 0, snap, link)


def rec(frame, sec=1700000000, usec=5, orig=None, be=False):
    length = orig if orig is not None else len(frame)
    return struct.pack(('>' if be else '<') + 'IIII', sec, usec, len(frame), length) + frame


def eth(ether_type, payload):
    return b'\x02' * 6 + b'\x04' * 6 + struct.pack('>H', ether_type) + payload


def ipv4(proto, src, dst, payload=b'\0' * 8):
    return bytes([0x45, 0, 0, 20 + len(payload), 0, 0, 0x40, 0, 64, proto, 0, 0]) + bytes(src) + bytes(dst) + payload


def ipv6(nxt, src, dst, payload):
    return bytes([0x60, 0, 0, 0]) + struct.pack('>H', len(payload)) + bytes([nxt, 64]) + bytes(src) + bytes(dst) + payload


def block(kind, body):
    pad = (-len(body)) % 4
    length = 12 + len(body) + pad
    return struct.pack('<II', kind, length) + body + b'\0' * pad + struct.pack('<I', length)


A, B = [10, 0, 0, 1], [10, 0, 0, 2]
S6, D6 = [0xfd] + [0] * 14 + [1], [0xfd] + [0] * 14 + [2]
TCP = ipv4(6, A, B, b'\x00\x50\x1f\x90' + b'\0' * 16)
UDP = ipv4(17, A, B, b'\x00\x35\x00\x35\x00\x08\x00\x00')
ICMP = ipv4(1, B, A)
ARP = bytes([0, 1, 8, 0, 6, 4, 0, 1]) + b'\x02' * 6 + bytes(A) + b'\0' * 6 + bytes(B)
V6 = ipv6(58, S6, D6, b'\x80\0\0\0\0\0\0\0')
V6UDP = ipv6(17, S6, D6, b'\x00\x35\x00\x35\x00\x08\x00\x00')
SLL2 = struct.pack('>HHIHBB8s', 0x0800, 0, 2, 1, 0, 6, b'\x02' * 6 + b'\0\0')
SLL2_V6 = struct.pack('>HHIHBB8s', 0x86DD, 0, 2, 1, 4, 6, b'\0' * 8)
SLL = struct.pack('>HHH8sH', 0, 1, 6, b'\x02' * 6 + b'\0\0', 0x0800)
FRAME = eth(0x0800, UDP)

SEEDS = {
    'eth-mixed': hdr() + rec(eth(0x0800, TCP)) + rec(eth(0x0800, UDP), usec=999999) + rec(eth(0x0806, ARP))
    + rec(eth(0x86DD, V6)) + rec(eth(0x0800, ICMP)),
    'eth-vlan': hdr() + rec(b'\x02' * 6 + b'\x04' * 6 + b'\x81\x00\x00\x05\x08\x00' + UDP),
    'snaplen-cut': hdr(snap=40) + rec(eth(0x0800, TCP)[:40], orig=len(eth(0x0800, TCP))),
    'truncated-record': (hdr() + rec(eth(0x0800, TCP)))[:-7],
    'header-only': hdr(),
    'short-header': hdr()[:10],
    'nanosecond': hdr(magic=0xA1B23C4D) + rec(eth(0x86DD, V6UDP), usec=999999999),
    'big-endian': hdr(be=True) + rec(eth(0x0800, UDP), be=True),
    'sll2-any': hdr(link=276) + rec(SLL2 + TCP) + rec(SLL2_V6 + V6),
    'sll': hdr(link=113) + rec(SLL + UDP),
    'raw-ip': hdr(link=101) + rec(TCP) + rec(V6),
    'pcapng': block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1)) + block(1, struct.pack('<HHI', 1, 0, 262144))
    + block(6, struct.pack('<IIIII', 0, 0, 1000, len(FRAME), len(FRAME)) + FRAME),
}

for name, data in SEEDS.items():
    with open('Fuzz/corpus/pcap/' + name, 'wb') as out:
        out.write(data)
