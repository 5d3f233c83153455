#!/usr/bin/env python3
"""A UDP impairment relay for tests on loopback (this kernel has no tc netem).

Clients send to --listen; the relay forwards each datagram to --forward from a socket of
its own per client, and sends the server's answers back to that client. Both directions
suffer the same seeded impairments:

  --loss P        drop each datagram with probability P
  --delay MS      one-way base delay
  --jitter MS     plus a uniform random extra in [-MS, +MS] (never below 0): reorders
  --dup P         deliver a second copy (with its own delay) with probability P
  --seed N        the random seed: the same seed gives the same decisions

It prints its counters to stderr when it gets SIGTERM or SIGINT, and runs until then or
until --max-seconds. Only loopback addresses are accepted.
"""
import argparse
import asyncio
import heapq
import ipaddress
import random
import signal
import socket
import sys
import time


def loopback_hostport(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not ipaddress.ip_address(host).is_loopback:
        raise argparse.ArgumentTypeError(f"{text}: only loopback addresses are allowed")
    return host, int(port)


def udp_socket(host, port):
    """A bound UDP socket with large buffers, so bursts are not lost before the relay
    decides anything (raise net.core.rmem_max/wmem_max as root for the full size)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        sock.setsockopt(socket.SOL_SOCKET, opt, 16 * 1024 * 1024)
    sock.bind((host, port))
    sock.setblocking(False)
    return sock


class Impairer:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.loss, self.dup = args.loss, args.dup
        self.delay, self.jitter = args.delay / 1000.0, args.jitter / 1000.0
        self.queue = []  # (due, seq, transport, data, addr)
        self.seq = 0
        self.stats = {"in": 0, "dropped": 0, "duplicated": 0, "out": 0}
        self.wakeup = asyncio.Event()

    def submit(self, transport, data, addr):
        self.stats["in"] += 1
        if self.rng.random() < self.loss:
            self.stats["dropped"] += 1
            return
        copies = 2 if self.rng.random() < self.dup else 1
        if copies == 2:
            self.stats["duplicated"] += 1
        now = time.monotonic()
        for _ in range(copies):
            extra = self.rng.uniform(-self.jitter, self.jitter) if self.jitter else 0.0
            self.seq += 1
            heapq.heappush(self.queue, (now + max(0.0, self.delay + extra), self.seq, transport, data, addr))
        self.wakeup.set()

    async def pump(self):
        while True:
            if not self.queue:
                self.wakeup.clear()
                await self.wakeup.wait()
                continue
            due = self.queue[0][0]
            wait = due - time.monotonic()
            if wait > 0:
                self.wakeup.clear()
                try:
                    await asyncio.wait_for(self.wakeup.wait(), timeout=wait)
                except asyncio.TimeoutError:
                    pass
                continue
            _, _, transport, data, addr = heapq.heappop(self.queue)
            if not transport.is_closing():
                transport.sendto(data, addr)
                self.stats["out"] += 1


class Downstream(asyncio.DatagramProtocol):
    """The listening socket: datagrams from clients."""

    def __init__(self, relay):
        self.relay = relay

    def connection_made(self, transport):
        self.relay.listen_transport = transport

    def datagram_received(self, data, addr):
        self.relay.from_client(data, addr)


class Upstream(asyncio.DatagramProtocol):
    """One per client: datagrams from the server back to that client."""

    def __init__(self, relay, client):
        self.relay, self.client = relay, client

    def datagram_received(self, data, addr):
        self.relay.impairer.submit(self.relay.listen_transport, data, self.client)


class Relay:
    def __init__(self, args):
        self.args = args
        self.impairer = Impairer(args)
        self.listen_transport = None
        self.upstreams = {}
        self.pending = {}

    def from_client(self, data, addr):
        up = self.upstreams.get(addr)
        if up is not None:
            self.impairer.submit(up, data, self.args.forward)
            return
        self.pending.setdefault(addr, []).append(data)
        if len(self.pending[addr]) == 1:
            asyncio.ensure_future(self.open_upstream(addr))

    async def open_upstream(self, client):
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: Upstream(self, client), sock=udp_socket(self.args.forward[0], 0))
        self.upstreams[client] = transport
        for data in self.pending.pop(client, []):
            self.impairer.submit(transport, data, self.args.forward)


async def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", type=loopback_hostport, required=True)
    p.add_argument("--forward", type=loopback_hostport, required=True)
    p.add_argument("--loss", type=float, default=0.0)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--jitter", type=float, default=0.0)
    p.add_argument("--dup", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=600.0)
    args = p.parse_args()
    relay = Relay(args)
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Downstream(relay), sock=udp_socket(*args.listen))
    print(f"relaying {args.listen[0]}:{args.listen[1]} -> {args.forward[0]}:{args.forward[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    pump = asyncio.ensure_future(relay.impairer.pump())
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except asyncio.TimeoutError:
        pass
    pump.cancel()
    s = relay.impairer.stats
    print(f"relay: in={s['in']} dropped={s['dropped']} duplicated={s['duplicated']} out={s['out']}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
