#!/usr/bin/env python3
"""Independent check of docs/protocol.md (the mcpmesh session protocol).

Written from the document alone: implements the primitives (§2), the
Ed25519 -> X25519 conversion and the public-key text form (§3), the message
layouts (§4), Noise IK as parameterised in §5, mac1/mac2 and cookie replies
(§6), the responder's processing of an initiation in the order of §5.3
(including the identity binding of the initiation payload and the admission
of newcomers) and transport data (§7), then reproduces every value of the
worked example (§15) and compares it with the `<!-- example:NAME -->` hex
blocks parsed from the document at run time. Join keys (§12, canonical
base64url) and signed envelopes (§13) have no example bytes in the document;
for them the script checks that its own reading is self-consistent (build,
parse back, detect corruption and non-canonical encodings; sign, verify,
reject a wrong context).

Usage: python3 scripts/protocol_check.py [path/to/protocol.md]

Dependencies: Python 3 standard library and the `cryptography` package.
Prints `ok NAME` or `FAIL NAME: expected ... got ...` per check, then
`N passed, M failed`; exits 1 if anything failed.
"""

import base64
import hashlib
import ipaddress
import hmac as _stdlib_hmac
import os
import re
import struct
import sys

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

RAW = serialization.Encoding.Raw
RAW_PUB = serialization.PublicFormat.Raw
RAW_PRIV = serialization.PrivateFormat.Raw
NOENC = serialization.NoEncryption()


# ---------------------------------------------------------------------------
# §2 Primitives
# ---------------------------------------------------------------------------

class DHFailure(Exception):
    pass


def DH(sk: bytes, pk: bytes) -> bytes:
    """X25519; an all-zero result is a failure (low-order point)."""
    try:
        out = X25519PrivateKey.from_private_bytes(sk).exchange(
            X25519PublicKey.from_public_bytes(pk))
    except ValueError:  # `cryptography` itself refuses an all-zero result
        raise DHFailure("all-zero X25519 result")
    if out == bytes(32):
        raise DHFailure("all-zero X25519 result")
    return out


def x25519_public(sk: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(sk).public_key().public_bytes(RAW, RAW_PUB)


def noise_nonce(n: int) -> bytes:
    # 4 zero bytes followed by the 64-bit counter, little-endian
    return bytes(4) + struct.pack("<Q", n)


def AEAD_encrypt(k: bytes, n: int, ad: bytes, p: bytes) -> bytes:
    return ChaCha20Poly1305(k).encrypt(noise_nonce(n), p, ad)


def AEAD_decrypt(k: bytes, n: int, ad: bytes, c: bytes) -> bytes:
    return ChaCha20Poly1305(k).decrypt(noise_nonce(n), c, ad)


# --- HChaCha20 / XChaCha20-Poly1305 (pure Python HChaCha20 + cryptography) --

def _rotl32(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def _quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = _rotl32(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = _rotl32(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = _rotl32(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = _rotl32(s[b] ^ s[c], 7)


def hchacha20(key: bytes, nonce16: bytes) -> bytes:
    assert len(key) == 32 and len(nonce16) == 16
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    s += list(struct.unpack("<8I", key))
    s += list(struct.unpack("<4I", nonce16))
    for _ in range(10):
        _quarter(s, 0, 4, 8, 12); _quarter(s, 1, 5, 9, 13)
        _quarter(s, 2, 6, 10, 14); _quarter(s, 3, 7, 11, 15)
        _quarter(s, 0, 5, 10, 15); _quarter(s, 1, 6, 11, 12)
        _quarter(s, 2, 7, 8, 13); _quarter(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def XAEAD_encrypt(k: bytes, nonce24: bytes, ad: bytes, p: bytes) -> bytes:
    assert len(nonce24) == 24
    sub = hchacha20(k, nonce24[:16])
    return ChaCha20Poly1305(sub).encrypt(bytes(4) + nonce24[16:], p, ad)


def XAEAD_decrypt(k: bytes, nonce24: bytes, ad: bytes, c: bytes) -> bytes:
    assert len(nonce24) == 24
    sub = hchacha20(k, nonce24[:16])
    return ChaCha20Poly1305(sub).decrypt(bytes(4) + nonce24[16:], c, ad)


# --- hashes, MACs, HKDF ------------------------------------------------------

def HASH(x: bytes) -> bytes:
    return hashlib.blake2b(x, digest_size=64).digest()


def HASH32(x: bytes) -> bytes:
    return hashlib.blake2b(x, digest_size=32).digest()


def MAC(k: bytes, x: bytes) -> bytes:
    assert 16 <= len(k) <= 64
    return hashlib.blake2b(x, digest_size=16, key=k).digest()


HMAC_BLOCK = 128


def HMAC(k: bytes, x: bytes) -> bytes:
    """RFC 2104 HMAC over HASH (BLAKE2b-512), written out by hand."""
    if len(k) > HMAC_BLOCK:
        k = HASH(k)
    k = k.ljust(HMAC_BLOCK, b"\x00")
    ipad = bytes(b ^ 0x36 for b in k)
    opad = bytes(b ^ 0x5C for b in k)
    return HASH(opad + HASH(ipad + x))


def HKDF(ck: bytes, ikm: bytes, n: int):
    t = HMAC(ck, ikm)
    o1 = HMAC(t, b"\x01")
    o2 = HMAC(t, o1 + b"\x02")
    if n == 2:
        return o1, o2
    o3 = HMAC(t, o2 + b"\x03")
    return o1, o2, o3


# ---------------------------------------------------------------------------
# §3 Keys: Ed25519 -> X25519, field arithmetic mod 2^255 - 19
# ---------------------------------------------------------------------------

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493   # prime subgroup order
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def finv(a: int) -> int:
    return pow(a, P - 2, P)


def _ed_recover_x(y: int, sign: int):
    """x from y on -x^2 + y^2 = 1 + d x^2 y^2; None if not on the curve."""
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x2 = u * finv(v) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _ed_add(p1, p2):
    # extended coordinates (X, Y, Z, T), a = -1
    X1, Y1, Z1, T1 = p1
    X2, Y2, Z2, T2 = p2
    A = (Y1 - X1) * (Y2 - X2) % P
    B = (Y1 + X1) * (Y2 + X2) % P
    C = 2 * T1 * T2 * D % P
    Dd = 2 * Z1 * Z2 % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def _ed_mul(k: int, pt):
    acc = (0, 1, 1, 0)
    while k:
        if k & 1:
            acc = _ed_add(acc, pt)
        pt = _ed_add(pt, pt)
        k >>= 1
    return acc


def _ed_is_identity(pt) -> bool:
    X, Y, Z, _ = pt
    return X % P == 0 and (Y - Z) % P == 0


def ed25519_seed_to_public(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(RAW, RAW_PUB)


def ed25519_sk_to_curve25519(seed: bytes) -> bytes:
    """Clamped first half of SHA-512(seed)."""
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return bytes(h)


class NotAnIdentity(ValueError):
    pass


def ed25519_pk_to_curve25519(pk: bytes) -> bytes:
    """u = (1 + y) / (1 - y) mod p.

    §3: a key that does not convert is not a valid identity, and an
    implementation MUST refuse at least encodings that are not a point on the
    curve, points of small order and points outside the prime-order subgroup.
    This reading also refuses a non-canonical y (>= p), which §3 permits
    ("at least those") but does not require."""
    if len(pk) != 32:
        raise NotAnIdentity("length")
    n = int.from_bytes(pk, "little")
    sign = n >> 255
    y = n & ((1 << 255) - 1)
    if y >= P:
        raise NotAnIdentity("non-canonical y")
    x = _ed_recover_x(y, sign)
    if x is None:
        raise NotAnIdentity("not on the curve")
    pt = (x, y, 1, x * y % P)
    if _ed_is_identity(_ed_mul(8, pt)):
        raise NotAnIdentity("small order")
    if not _ed_is_identity(_ed_mul(L, pt)):
        raise NotAnIdentity("not in the prime-order subgroup")
    u = (1 + y) * finv((1 - y) % P) % P
    return u.to_bytes(32, "little")


def pk_text(pk: bytes) -> str:
    assert len(pk) == 32
    return "mpk:" + pk.hex()


_HEX = set("0123456789abcdefABCDEF")


def pk_parse(s: str) -> bytes:
    # §3: the prefix is lowercase `mpk:` exactly; the hex digits may be
    # either case; nothing is trimmed.
    if len(s) != 68 or not s.startswith("mpk:"):
        raise ValueError("bad public-key text")
    h = s[4:]
    if not all(c in _HEX for c in h):
        raise ValueError("bad hex")
    return bytes.fromhex(h)


# ---------------------------------------------------------------------------
# §5 Noise IK
# ---------------------------------------------------------------------------

PROTOCOL_NAME = b"Noise_IK_25519_ChaChaPoly_BLAKE2b"
PROLOGUE = b"mcpmesh session v1"
DHLEN = 32
TAGLEN = 16


class NoiseDecryptError(Exception):
    pass


class SymmetricState:
    def __init__(self):
        assert len(PROTOCOL_NAME) == 33
        self.h = PROTOCOL_NAME.ljust(64, b"\x00")  # len <= HASHLEN: pad
        self.ck = self.h
        self.k = None
        self.n = 0

    def mix_hash(self, data: bytes):
        self.h = HASH(self.h + data)

    def mix_key(self, ikm: bytes):
        self.ck, tk = HKDF(self.ck, ikm, 2)
        self.k = tk[:32]
        self.n = 0

    def encrypt_and_hash(self, p: bytes) -> bytes:
        if self.k is None:
            c = p
        else:
            c = AEAD_encrypt(self.k, self.n, self.h, p)
            self.n += 1
        self.mix_hash(c)
        return c

    def decrypt_and_hash(self, c: bytes) -> bytes:
        if self.k is None:
            p = c
        else:
            try:
                p = AEAD_decrypt(self.k, self.n, self.h, c)
            except InvalidTag:
                raise NoiseDecryptError()
            self.n += 1
        self.mix_hash(c)
        return p

    def split(self):
        t1, t2 = HKDF(self.ck, b"", 2)
        return t1[:32], t2[:32]


class HandshakeIK:
    """Noise IK: <- s ; ... ; -> e, es, s, ss ; <- e, ee, se."""

    def __init__(self, initiator: bool, s_priv: bytes, rs: bytes = None):
        self.initiator = initiator
        self.s = s_priv
        self.s_pub = x25519_public(s_priv)
        self.rs = rs
        self.e = None
        self.e_pub = None
        self.re = None
        self.ss = SymmetricState()
        self.ss.mix_hash(PROLOGUE)
        # pre-message: responder's static key
        self.ss.mix_hash(rs if initiator else self.s_pub)

    # message 1 -----------------------------------------------------------
    def write_message_1(self, e_priv: bytes, payload: bytes) -> bytes:
        assert self.initiator
        self.e, self.e_pub = e_priv, x25519_public(e_priv)
        out = self.e_pub
        self.ss.mix_hash(self.e_pub)
        self.ss.mix_key(DH(self.e, self.rs))                # es
        out += self.ss.encrypt_and_hash(self.s_pub)         # s
        self.ss.mix_key(DH(self.s, self.rs))                # ss
        out += self.ss.encrypt_and_hash(payload)
        return out

    def read_message_1(self, msg: bytes) -> bytes:
        assert not self.initiator
        self.re = msg[:DHLEN]
        self.ss.mix_hash(self.re)
        self.ss.mix_key(DH(self.s, self.re))                # es
        self.rs = self.ss.decrypt_and_hash(msg[DHLEN:DHLEN + DHLEN + TAGLEN])
        self.ss.mix_key(DH(self.s, self.rs))                # ss
        return self.ss.decrypt_and_hash(msg[DHLEN + DHLEN + TAGLEN:])

    # message 2 -----------------------------------------------------------
    def write_message_2(self, e_priv: bytes, payload: bytes) -> bytes:
        assert not self.initiator
        self.e, self.e_pub = e_priv, x25519_public(e_priv)
        out = self.e_pub
        self.ss.mix_hash(self.e_pub)
        self.ss.mix_key(DH(self.e, self.re))                # ee
        self.ss.mix_key(DH(self.e, self.rs))                # se
        out += self.ss.encrypt_and_hash(payload)
        return out

    def read_message_2(self, msg: bytes) -> bytes:
        assert self.initiator
        self.re = msg[:DHLEN]
        self.ss.mix_hash(self.re)
        self.ss.mix_key(DH(self.e, self.re))                # ee
        self.ss.mix_key(DH(self.s, self.re))                # se
        return self.ss.decrypt_and_hash(msg[DHLEN:])

    def split(self):
        return self.ss.split()  # (initiator->responder, responder->initiator)


# ---------------------------------------------------------------------------
# §4, §6 Messages, mac1/mac2, cookies; §5.2 payloads; §7 transport
# ---------------------------------------------------------------------------

TYPE_INITIATION, TYPE_RESPONSE, TYPE_COOKIE, TYPE_TRANSPORT = 1, 2, 3, 4
LEN_INITIATION, LEN_RESPONSE, LEN_COOKIE, MIN_TRANSPORT = 188, 100, 64, 32
MAC1_OFF = {TYPE_INITIATION: 156, TYPE_RESPONSE: 68}
LEN_INITIATION_PAYLOAD = 12 + 8 + 32   # §5.2: timestamp, epoch, identity key


def header(t: int) -> bytes:
    return bytes([t, 0, 0, 0])


def mac1_key(static_pub: bytes) -> bytes:
    return HASH32(b"mac1----" + static_pub)


def cookie_key(static_pub: bytes) -> bytes:
    return HASH32(b"cookie--" + static_pub)


def add_macs(m_wo_macs: bytes, receiver_static: bytes, cookie: bytes = None) -> bytes:
    o = len(m_wo_macs)
    mac1 = MAC(mac1_key(receiver_static), m_wo_macs)
    m = m_wo_macs + mac1
    mac2 = MAC(cookie, m[:o + 16]) if cookie is not None else bytes(16)
    return m + mac2


def check_header(m: bytes, t: int, length: int) -> bool:
    return len(m) == length and m[0] == t and m[1:4] == b"\x00\x00\x00"


def check_mac1(m: bytes, own_static: bytes) -> bool:
    if not m or m[0] not in MAC1_OFF:
        return False
    o = MAC1_OFF[m[0]]
    return _stdlib_hmac.compare_digest(MAC(mac1_key(own_static), m[:o]), m[o:o + 16])


def check_mac2(m: bytes, cookie: bytes) -> bool:
    if not m or m[0] not in MAC1_OFF:
        return False
    o = MAC1_OFF[m[0]]
    return _stdlib_hmac.compare_digest(MAC(cookie, m[:o + 16]), m[o + 16:o + 32])


def tai64n(unix_seconds: int, nanoseconds: int) -> bytes:
    ns = nanoseconds & ~0xFFFFFF  # sender clears the low 24 bits
    return struct.pack(">QI", 2 ** 62 + unix_seconds, ns)


def parse_tai64n(b: bytes):
    secs, ns = struct.unpack(">QI", b)
    if secs < 2 ** 62 or ns >= 10 ** 9:
        raise ValueError("invalid TAI64N")
    return secs - 2 ** 62, ns


def initiation_payload(timestamp: bytes, epoch: int, identity: bytes) -> bytes:
    """§5.2: timestamp (12) || epoch (8, little-endian) || identity key (32)."""
    assert len(timestamp) == 12 and len(identity) == 32
    return timestamp + struct.pack("<Q", epoch) + identity


def build_initiation(hs: HandshakeIK, sender_index: int, e_priv: bytes,
                     timestamp: bytes, epoch: int, identity: bytes,
                     responder_static: bytes, cookie: bytes = None,
                     payload: bytes = None) -> bytes:
    """`payload` overrides the §5.2 payload (only for negative checks)."""
    if payload is None:
        payload = initiation_payload(timestamp, epoch, identity)
    body = hs.write_message_1(e_priv, payload)
    m = header(TYPE_INITIATION) + struct.pack("<I", sender_index) + body
    assert len(m) == MAC1_OFF[TYPE_INITIATION] + len(payload) - LEN_INITIATION_PAYLOAD
    return add_macs(m, responder_static, cookie)


def build_response(hs: HandshakeIK, sender_index: int, receiver_index: int,
                   e_priv: bytes, epoch: int, initiator_static: bytes,
                   cookie: bytes = None) -> bytes:
    body = hs.write_message_2(e_priv, struct.pack("<Q", epoch))
    m = (header(TYPE_RESPONSE) + struct.pack("<I", sender_index)
         + struct.pack("<I", receiver_index) + body)
    assert len(m) == 68
    return add_macs(m, initiator_static, cookie)


def source_bytes(ip: str, port: int) -> bytes:
    a = ipaddress.ip_address(ip)
    if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped is not None:
        a = a.ipv4_mapped  # §6.2: an IPv4-mapped IPv6 address counts as IPv4
    return a.packed + struct.pack(">H", port)


def make_cookie(secret_R: bytes, ip: str, port: int) -> bytes:
    return MAC(secret_R, source_bytes(ip, port))


def build_cookie_reply(m: bytes, own_static: bytes, secret_R: bytes,
                       ip: str, port: int, nonce: bytes) -> bytes:
    sender_index = m[4:8]  # both handshake messages carry it at offset 4
    o = MAC1_OFF[m[0]]
    mac1 = m[o:o + 16]
    cookie = make_cookie(secret_R, ip, port)
    enc = XAEAD_encrypt(cookie_key(own_static), nonce, mac1, cookie)
    out = header(TYPE_COOKIE) + sender_index + nonce + enc
    assert len(out) == LEN_COOKIE
    return out


def open_cookie_reply(reply: bytes, peer_static: bytes, last_mac1: bytes) -> bytes:
    if not check_header(reply, TYPE_COOKIE, LEN_COOKIE):
        raise ValueError("bad cookie reply header")
    nonce = reply[8:32]
    return XAEAD_decrypt(cookie_key(peer_static), nonce, last_mac1, reply[32:64])


def build_transport(send_key: bytes, receiver_index: int, counter: int, payload: bytes) -> bytes:
    return (header(TYPE_TRANSPORT) + struct.pack("<I", receiver_index)
            + struct.pack("<Q", counter) + AEAD_encrypt(send_key, counter, b"", payload))


def open_transport(recv_key: bytes, m: bytes):
    if len(m) < MIN_TRANSPORT or m[0] != TYPE_TRANSPORT or m[1:4] != b"\x00\x00\x00":
        raise ValueError("bad transport header")
    receiver_index, counter = struct.unpack("<IQ", m[4:16])
    return receiver_index, counter, AEAD_decrypt(recv_key, counter, b"", m[16:])


# ---------------------------------------------------------------------------
# §5.3 Processing an initiation (responder), in the document's order
# ---------------------------------------------------------------------------

HANDSHAKE_INITIATION_RATE = 0.050   # §9, seconds


class Drop(Exception):
    """A silent drop (§5.3: no reply of any kind); `step` is the §5.3 step."""

    def __init__(self, step: int, reason: str):
        super().__init__("step %d: %s" % (step, reason))
        self.step = step
        self.reason = reason


class Responder:
    """The responder side of §5.3: allowed peers (by identity key, §3),
    optional admission of newcomers up to a limit, the last accepted
    timestamp and acceptance time per peer, and the under-load switch."""

    def __init__(self, identity_seed: bytes, allowed=(), admit_limit: int = 0,
                 cookie_secret: bytes = None):
        self.static_sk = ed25519_sk_to_curve25519(identity_seed)
        self.static_pub = x25519_public(self.static_sk)
        self.peers = {}          # X25519 static key -> identity key
        self.admitted = set()    # static keys added by admission
        self.admit_limit = admit_limit   # 0: this node does not admit
        self.last_ts = {}        # static key -> (seconds, nanoseconds)
        self.last_accept = {}    # static key -> monotonic time of acceptance
        self.under_load = False
        self.cookie_secret = cookie_secret
        for identity in allowed:
            self.allow(identity)

    def allow(self, identity: bytes):
        static = ed25519_pk_to_curve25519(identity)   # NotAnIdentity if invalid
        if static in self.peers and self.peers[static] != identity:
            # §3: A and -A MUST NOT both be allowed peers of one node
            raise ValueError("identity and its negation both allowed")
        self.peers[static] = identity

    def process_initiation(self, m: bytes, now: float, src_ip: str, src_port: int,
                           e_priv: bytes, sender_index: int, epoch: int,
                           cookie_nonce: bytes = None):
        """Returns ("cookie", reply) or ("response", response, identity, hs);
        raises Drop otherwise."""
        # 1. length, type, reserved
        if not check_header(m, TYPE_INITIATION, LEN_INITIATION):
            raise Drop(1, "length, type or reserved bytes")
        # 2. mac1
        if not check_mac1(m, self.static_pub):
            raise Drop(2, "mac1")
        # 3. under load: mac2, else a cookie reply
        if self.under_load and not check_mac2(
                m, make_cookie(self.cookie_secret, src_ip, src_port)):
            nonce = cookie_nonce if cookie_nonce is not None else os.urandom(24)
            return ("cookie", build_cookie_reply(m, self.static_pub, self.cookie_secret,
                                                 src_ip, src_port, nonce))
        # 4. Noise ReadMessage of bytes 8..<156
        hs = HandshakeIK(False, self.static_sk)
        try:
            payload = hs.read_message_1(m[8:MAC1_OFF[TYPE_INITIATION]])
        except (NoiseDecryptError, DHFailure) as e:
            raise Drop(4, "Noise ReadMessage: " + type(e).__name__)
        static = hs.rs
        # 5. payload: 52 bytes, valid timestamp, identity converting to the static key
        if len(payload) != LEN_INITIATION_PAYLOAD:
            raise Drop(5, "payload length %d" % len(payload))
        try:
            ts = parse_tai64n(payload[:12])
        except ValueError:
            raise Drop(5, "invalid timestamp")
        identity = payload[20:52]
        try:
            converted = ed25519_pk_to_curve25519(identity)
        except NotAnIdentity as e:
            raise Drop(5, "identity key does not convert: %s" % e)
        if converted != static:
            raise Drop(5, "identity key does not convert to the authenticated static key")
        # 6. allowed peer, or admission of a newcomer up to the limit
        if static not in self.peers:
            if not self.admit_limit or len(self.admitted) >= self.admit_limit:
                raise Drop(6, "not an allowed peer")
            self.peers[static] = identity
            self.admitted.add(static)
        # 7. timestamp strictly greater than the last accepted from this peer
        if static in self.last_ts and not ts > self.last_ts[static]:
            raise Drop(7, "timestamp not newer (replay)")
        # 8. HandshakeInitiationRate since the last accepted initiation
        if static in self.last_accept and now - self.last_accept[static] < HANDSHAKE_INITIATION_RATE:
            raise Drop(8, "initiation rate")
        self.last_ts[static] = ts
        self.last_accept[static] = now
        response = build_response(hs, sender_index, struct.unpack("<I", m[4:8])[0],
                                  e_priv, epoch, static)
        return ("response", response, identity, hs)


# ---------------------------------------------------------------------------
# §12 Join keys
# ---------------------------------------------------------------------------

JOIN_PREFIX = "mcpmesh-join-"
JOIN_VERSION = 1
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


class JoinKeyError(ValueError):
    pass


class JoinKeyCorrupt(JoinKeyError):
    """Checksum mismatch (or a length that cannot be right): a mistyped or
    cut key, as §12 asks parsers to report it."""


def b64url_nopad_encode(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def b64url_nopad_decode(s: str) -> bytes:
    # RFC 4648 §5 alphabet, no padding. Assumption (the document does not
    # say): only the canonical encoding is accepted, i.e. unused trailing
    # bits must be zero (RFC 4648 §3.5 lets decoders reject otherwise).
    if not _B64URL_RE.fullmatch(s) or len(s) % 4 == 1:
        raise JoinKeyCorrupt("not base64url without padding")
    b = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if b64url_nopad_encode(b) != s:
        raise JoinKeyCorrupt("non-canonical base64url")
    return b


def parse_host_port(addr: str):
    """`host:port`, `[v6]:port` for IPv6 (§12)."""
    if addr.startswith("["):
        end = addr.find("]:")
        if end < 0:
            raise JoinKeyError("bad [v6]:port")
        host, port = addr[1:end], addr[end + 2:]
        ipaddress.IPv6Address(host)  # raises ValueError
    else:
        host, sep, port = addr.rpartition(":")
        if not sep or not host or ":" in host:
            raise JoinKeyError("bad host:port")
    if not port.isdigit() or not port.isascii() or int(port) > 65535:
        raise JoinKeyError("bad port")
    return host, int(port)


def join_key_raw(coordinator_pk: bytes, secret: bytes, address: str,
                 version: int = JOIN_VERSION) -> bytes:
    a = address.encode("utf-8")
    assert len(coordinator_pk) == 32 and len(secret) == 32 and len(a) <= 255
    body = bytes([version]) + coordinator_pk + secret + bytes([len(a)]) + a
    return body + HASH32(body)[:4]


def join_key_build(coordinator_pk: bytes, secret: bytes, address: str) -> str:
    return JOIN_PREFIX + b64url_nopad_encode(join_key_raw(coordinator_pk, secret, address))


def join_key_parse(text: str):
    """Returns (coordinator identity key, secret, address, (host, port))."""
    s = text.strip()  # surrounding whitespace is ignored
    if not s.startswith(JOIN_PREFIX):
        raise JoinKeyError("not a join key")
    b = b64url_nopad_decode(s[len(JOIN_PREFIX):])
    if len(b) < 66 + 4:
        raise JoinKeyCorrupt("too short: mistyped or cut")
    n = b[65]
    if len(b) != 66 + n + 4:
        raise JoinKeyCorrupt("length does not match the address length: mistyped or cut")
    body, checksum = b[:66 + n], b[66 + n:]
    if HASH32(body)[:4] != checksum:
        raise JoinKeyCorrupt("checksum mismatch: mistyped or cut")
    if body[0] != JOIN_VERSION:
        raise JoinKeyError("unknown join key version %d" % body[0])
    coordinator_pk, secret = body[1:33], body[33:65]
    try:
        ed25519_pk_to_curve25519(coordinator_pk)  # must be a valid identity (§3)
    except NotAnIdentity as e:
        raise JoinKeyError("coordinator key is not a valid identity: %s" % e)
    try:
        address = body[66:].decode("utf-8")
    except UnicodeDecodeError:
        raise JoinKeyError("address is not UTF-8")
    try:
        hp = parse_host_port(address)
    except ValueError as e:
        raise JoinKeyError("bad address: %s" % e)
    return coordinator_pk, secret, address, hp


def join_secret_stored(secret: bytes) -> str:
    """What the coordinator keeps: hex(HASH32(secret))."""
    return HASH32(secret).hex()


# ---------------------------------------------------------------------------
# §13 Signed envelopes
# ---------------------------------------------------------------------------

ENVELOPE_VERSION = 1
ENVELOPE_CONTEXTS = ("netmap v1", "key-rotation v1", "register v1")


class EnvelopeError(ValueError):
    pass


def envelope_message(context: str, payload: bytes) -> bytes:
    assert context in ENVELOPE_CONTEXTS
    return b"mcpmesh " + context.encode("ascii") + b"\x00" + payload


def envelope_sign(signer_seed: bytes, context: str, payload: bytes) -> bytes:
    sig = Ed25519PrivateKey.from_private_bytes(signer_seed).sign(
        envelope_message(context, payload))
    assert len(sig) == 64
    return bytes([ENVELOPE_VERSION]) + sig + payload


def envelope_open(envelope: bytes, signer_pk: bytes, context: str) -> bytes:
    """Verifies before anything looks at the payload; returns the payload."""
    if len(envelope) < 1 + 64:
        raise EnvelopeError("too short")
    if envelope[0] != ENVELOPE_VERSION:
        raise EnvelopeError("unknown envelope version %d" % envelope[0])
    sig, payload = envelope[1:65], envelope[65:]
    try:
        Ed25519PublicKey.from_public_bytes(signer_pk).verify(
            sig, envelope_message(context, payload))
    except InvalidSignature:
        raise EnvelopeError("bad signature")
    return payload


# ---------------------------------------------------------------------------
# Document parsing and the check harness
# ---------------------------------------------------------------------------

EXAMPLE_RE = re.compile(r"<!--\s*example:([A-Za-z0-9_.-]+)\s*-->\s*```[^\n]*\n(.*?)```", re.S)


def parse_examples(text: str) -> dict:
    out = {}
    for name, body in EXAMPLE_RE.findall(text):
        hx = "".join(body.split())
        if name in out:
            raise ValueError("duplicate example block " + name)
        out[name] = bytes.fromhex(hx)
    return out


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def eq(self, name, expected, got):
        if isinstance(expected, (bytes, bytearray)):
            e_s, g_s = expected.hex(), (got.hex() if isinstance(got, (bytes, bytearray)) else repr(got))
        else:
            e_s, g_s = repr(expected), repr(got)
        if expected == got:
            self.ok(name)
        else:
            self.fail(name, e_s, g_s)

    def true(self, name, cond, detail="condition false"):
        if cond:
            self.ok(name)
        else:
            self.fail(name, "true", detail)

    def ok(self, name):
        self.passed += 1
        print("ok " + name)

    def fail(self, name, expected, got):
        self.failed += 1
        print("FAIL %s: expected %s got %s" % (name, expected, got))

    def raises(self, name, fn, exc=Exception):
        try:
            fn()
        except exc:
            self.ok(name)
            return
        except Exception as e:  # wrong exception type
            self.fail(name, exc.__name__, type(e).__name__)
            return
        self.fail(name, "an exception", "none")


def seq(start: int, n: int = 32) -> bytes:
    return bytes(range(start, start + n))


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    doc_path = argv[1] if len(argv) > 1 else os.path.join(here, "..", "docs", "protocol.md")
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()

    c = Checker()
    ex = parse_examples(doc)

    expected_names = [
        "initiator-identity-public", "initiator-static-public",
        "responder-identity-public", "responder-static-public",
        "initiator-ephemeral-public", "responder-ephemeral-public",
        "handshake-hash-start", "mac1-key-responder", "initiation",
        "cookie", "cookie-reply", "initiation-with-mac2", "response",
        "handshake-hash-final",
        "key-initiator-to-responder", "key-responder-to-initiator",
        "transport-0", "keepalive-0",
    ]
    missing = [n for n in expected_names if n not in ex]
    extra = sorted(set(ex) - set(expected_names))
    c.true("doc.example-blocks-present", not missing, "missing: " + ", ".join(missing))
    c.true("doc.no-unknown-example-blocks", not extra, "unchecked blocks: " + ", ".join(extra))

    def X(name):
        return ex.get(name, b"")

    # --- primitive self-tests ---------------------------------------------
    c.eq("prim.hmac-matches-stdlib",
         _stdlib_hmac.new(b"k" * 200, b"msg", hashlib.blake2b).digest(), HMAC(b"k" * 200, b"msg"))
    c.eq("prim.hmac-matches-stdlib-short-key",
         _stdlib_hmac.new(b"k" * 64, b"msg", hashlib.blake2b).digest(), HMAC(b"k" * 64, b"msg"))
    c.true("prim.hash32-is-not-truncated-hash", HASH32(b"x") != HASH(b"x")[:32])
    c.eq("prim.hchacha20-draft-vector",
         bytes.fromhex("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"),
         hchacha20(seq(0), bytes.fromhex("000000090000004a0000000031415927")))
    lad = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
           b"for the future, sunscreen would be it.")
    c.eq("prim.xchacha20poly1305-draft-A.3.1",
         bytes.fromhex(
             "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
             "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
             "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
             "21f9664c97637da9768812f615c68b13b52e"
             "c0875924c1c7987947deafd8780acf49"),
         XAEAD_encrypt(seq(0x80), seq(0x40, 24), bytes.fromhex("50515253c0c1c2c3c4c5c6c7"), lad))
    c.raises("prim.dh-rejects-low-order-point",
             lambda: DH(seq(1), bytes(32)), DHFailure)

    # --- §3 keys -------------------------------------------------------------
    i_seed, r_seed = seq(0x00), seq(0x20)
    i_eph, r_eph = seq(0x40), seq(0x60)

    i_id_pub = ed25519_seed_to_public(i_seed)
    r_id_pub = ed25519_seed_to_public(r_seed)
    c.eq("example.initiator-identity-public", X("initiator-identity-public"), i_id_pub)
    c.eq("example.responder-identity-public", X("responder-identity-public"), r_id_pub)

    i_static_sk = ed25519_sk_to_curve25519(i_seed)
    r_static_sk = ed25519_sk_to_curve25519(r_seed)
    i_static_pub = ed25519_pk_to_curve25519(i_id_pub)
    r_static_pub = ed25519_pk_to_curve25519(r_id_pub)
    c.eq("example.initiator-static-public", X("initiator-static-public"), i_static_pub)
    c.eq("example.responder-static-public", X("responder-static-public"), r_static_pub)
    c.eq("keys.initiator-static-secret-matches-public", i_static_pub, x25519_public(i_static_sk))
    c.eq("keys.responder-static-secret-matches-public", r_static_pub, x25519_public(r_static_sk))
    # §3: A and -A (sign bit flipped) convert to the same static key
    neg = bytearray(i_id_pub); neg[31] ^= 0x80
    c.eq("keys.negated-identity-same-static", i_static_pub, ed25519_pk_to_curve25519(bytes(neg)))

    # a few keys that must not convert
    c.raises("keys.identity-rejects-identity-point",
             lambda: ed25519_pk_to_curve25519((1).to_bytes(32, "little")), NotAnIdentity)
    c.raises("keys.identity-rejects-off-curve",
             lambda: ed25519_pk_to_curve25519((2).to_bytes(32, "little")), NotAnIdentity)
    c.raises("keys.identity-rejects-noncanonical-y",
             lambda: ed25519_pk_to_curve25519((P + 1).to_bytes(32, "little")), NotAnIdentity)
    # i_id_pub plus a point of order 8 is on the curve but outside the subgroup
    def _mixed_order():
        n = int.from_bytes(i_id_pub, "little")
        y = n & ((1 << 255) - 1)
        x = _ed_recover_x(y, n >> 255)
        a = (x, y, 1, x * y % P)
        # small-order point with y = sqrt(-1)-related coordinate: find one by
        # multiplying a full-group point by L
        for cand in range(2, 200):
            xx = _ed_recover_x(cand, 0)
            if xx is None:
                continue
            q = _ed_mul(L, (xx, cand, 1, xx * cand % P))
            if not _ed_is_identity(q) and not _ed_is_identity(_ed_mul(4, q)):
                s = _ed_add(a, q)
                zi = finv(s[2])
                sx, sy = s[0] * zi % P, s[1] * zi % P
                return ed25519_pk_to_curve25519((sy | ((sx & 1) << 255)).to_bytes(32, "little"))
        raise AssertionError("no torsion point found")
    c.raises("keys.identity-rejects-torsion-component", _mixed_order, NotAnIdentity)

    # text form
    m = re.search(r"`(mpk:[0-9a-fA-F]+)`", doc)
    c.eq("text.doc-example-is-initiator-identity", m.group(1) if m else None, pk_text(i_id_pub))
    c.eq("text.length-68", 68, len(pk_text(i_id_pub)))
    c.eq("text.roundtrip", i_id_pub, pk_parse(pk_text(i_id_pub)))
    c.eq("text.accepts-upper-hex", i_id_pub, pk_parse("mpk:" + i_id_pub.hex().upper()))
    c.raises("text.rejects-short", lambda: pk_parse(pk_text(i_id_pub)[:-2]), ValueError)
    c.raises("text.rejects-long", lambda: pk_parse(pk_text(i_id_pub) + "00"), ValueError)
    c.raises("text.rejects-other-prefix", lambda: pk_parse("mpx:" + i_id_pub.hex()), ValueError)
    c.raises("text.rejects-no-prefix", lambda: pk_parse(i_id_pub.hex()), ValueError)
    c.raises("text.rejects-upper-prefix", lambda: pk_parse("MPK:" + i_id_pub.hex()), ValueError)
    c.raises("text.rejects-surrounding-space", lambda: pk_parse(" " + pk_text(i_id_pub)[:-1]),
             ValueError)

    # ephemerals
    c.eq("example.initiator-ephemeral-public", X("initiator-ephemeral-public"), x25519_public(i_eph))
    c.eq("example.responder-ephemeral-public", X("responder-ephemeral-public"), x25519_public(r_eph))

    # --- §5.1 h before message 1 ----------------------------------------------
    hs_i = HandshakeIK(True, i_static_sk, r_static_pub)
    hs_r = HandshakeIK(False, r_static_sk)
    c.eq("example.handshake-hash-start", X("handshake-hash-start"), hs_i.ss.h)
    c.eq("noise.responder-hash-start-agrees", hs_i.ss.h, hs_r.ss.h)
    c.eq("noise.ck-start-is-padded-name", PROTOCOL_NAME.ljust(64, b"\x00"), hs_i.ss.ck)

    # --- §6.1 mac1 key ------------------------------------------------------
    c.eq("example.mac1-key-responder", X("mac1-key-responder"), mac1_key(r_static_pub))

    # --- §4.1 / §5 initiation ----------------------------------------------
    I_INDEX, R_INDEX = 0x44332211, 0x88776655
    I_EPOCH, R_EPOCH = 0x0807060504030201, 0x1817161514131211
    TS_SECS, TS_NS = 1764000000, 123456789
    TS_NS_WIRE = TS_NS & ~0xFFFFFF        # §5.2: the sender clears the low 24 bits
    ts = tai64n(TS_SECS, TS_NS)
    c.eq("timestamp.low-24-bits-cleared", TS_NS_WIRE, struct.unpack(">I", ts[8:12])[0])
    c.eq("timestamp.seconds-field", 2 ** 62 + TS_SECS, struct.unpack(">Q", ts[:8])[0])
    # the document states the wire value of the nanoseconds in its input table
    m = re.search(r"(\d+) ns \(`0x([0-9a-fA-F]+)`\) goes on the wire", doc)
    c.eq("doc.timestamp-wire-nanoseconds-as-stated",
         (TS_NS_WIRE, TS_NS_WIRE), (int(m.group(1)), int(m.group(2), 16)) if m else None)
    c.eq("timestamp.receiver-accepts-uncleared-bits", (TS_SECS, TS_NS),
         parse_tai64n(struct.pack(">QI", 2 ** 62 + TS_SECS, TS_NS)))
    c.raises("timestamp.receiver-rejects-seconds-below-2^62",
             lambda: parse_tai64n(struct.pack(">QI", 2 ** 62 - 1, 0)), ValueError)
    c.raises("timestamp.receiver-rejects-nanoseconds-1e9",
             lambda: parse_tai64n(struct.pack(">QI", 2 ** 62 + TS_SECS, 10 ** 9)), ValueError)

    initiation = build_initiation(hs_i, I_INDEX, i_eph, ts, I_EPOCH, i_id_pub, r_static_pub)
    c.eq("example.initiation", X("initiation"), initiation)
    c.eq("layout.initiation-length", LEN_INITIATION, len(initiation))
    c.eq("layout.initiation-sender-index-bytes", bytes.fromhex("11223344"), initiation[4:8])
    c.eq("layout.initiation-mac1-offset", 156, MAC1_OFF[TYPE_INITIATION])
    c.eq("layout.initiation-noise-part-length", 32 + 48 + 68, 156 - 8)

    # --- responder processes the example initiation (§5.3) ------------------
    rx = X("initiation") or initiation
    c.true("responder.initiation-header", check_header(rx, TYPE_INITIATION, LEN_INITIATION))
    c.true("responder.initiation-mac1", check_mac1(rx, r_static_pub))
    c.eq("responder.initiation-mac2-zero", bytes(16), rx[172:188])
    try:
        payload = hs_r.read_message_1(rx[8:156])
    except (NoiseDecryptError, DHFailure) as e:
        c.fail("responder.read-initiation", "success", type(e).__name__)
        payload = b""
    c.eq("responder.recovered-initiator-static", i_static_pub, hs_r.rs)
    c.eq("responder.initiation-payload-length", 52, len(payload))
    if len(payload) == 52:
        try:
            got_ts = parse_tai64n(payload[:12])
        except ValueError as e:
            got_ts = str(e)
        c.eq("responder.recovered-timestamp", (TS_SECS, TS_NS_WIRE), got_ts)
        c.eq("responder.recovered-timestamp-bytes", ts, payload[:12])
        c.eq("responder.recovered-initiator-epoch", I_EPOCH, struct.unpack("<Q", payload[12:20])[0])
        c.eq("responder.recovered-initiator-identity", i_id_pub, payload[20:52])
        try:
            conv = ed25519_pk_to_curve25519(payload[20:52])
        except NotAnIdentity as e:
            conv = "does not convert: %s" % e
        c.eq("responder.identity-converts-to-authenticated-static", hs_r.rs, conv)
    c.eq("responder.initiator-sender-index", I_INDEX, struct.unpack("<I", rx[4:8])[0])

    # tampering: flip one byte inside the Noise part -> mac1 fails; with
    # fixed-up mac1, Noise ReadMessage must fail
    bad = bytearray(rx); bad[100] ^= 1
    c.true("responder.tampered-initiation-mac1-fails", not check_mac1(bytes(bad), r_static_pub))
    bad2 = add_macs(bytes(bad[:156]), r_static_pub)
    def _read_bad():
        HandshakeIK(False, r_static_sk).read_message_1(bad2[8:156])
    c.raises("responder.tampered-initiation-noise-fails", _read_bad, NoiseDecryptError)

    # --- §4.2 response -----------------------------------------------------
    response = build_response(hs_r, R_INDEX, struct.unpack("<I", rx[4:8])[0],
                              r_eph, R_EPOCH, hs_r.rs)
    c.eq("example.response", X("response"), response)
    c.eq("layout.response-length", LEN_RESPONSE, len(response))
    r_h_final = hs_r.ss.h
    r_send_i2r, r_send_r2i = hs_r.split()

    # --- initiator processes the example response (§5.4) --------------------
    ry = X("response") or response
    c.true("initiator.response-header", check_header(ry, TYPE_RESPONSE, LEN_RESPONSE))
    c.true("initiator.response-mac1", check_mac1(ry, i_static_pub))
    c.eq("initiator.response-mac2-zero", bytes(16), ry[84:100])
    c.eq("initiator.response-receiver-index", I_INDEX, struct.unpack("<I", ry[8:12])[0])
    c.eq("initiator.response-sender-index", R_INDEX, struct.unpack("<I", ry[4:8])[0])
    try:
        rpayload = hs_i.read_message_2(ry[12:68])
    except (NoiseDecryptError, DHFailure) as e:
        c.fail("initiator.read-response", "success", type(e).__name__)
        rpayload = b""
    c.eq("initiator.response-payload-length", 8, len(rpayload))
    if len(rpayload) == 8:
        c.eq("initiator.recovered-responder-epoch", R_EPOCH, struct.unpack("<Q", rpayload)[0])
    c.eq("example.handshake-hash-final", X("handshake-hash-final"), hs_i.ss.h)
    c.eq("noise.responder-hash-final-agrees", hs_i.ss.h, r_h_final)
    i_send_i2r, i_send_r2i = hs_i.split()

    c.eq("example.key-initiator-to-responder", X("key-initiator-to-responder"), i_send_i2r)
    c.eq("example.key-responder-to-initiator", X("key-responder-to-initiator"), i_send_r2i)
    c.eq("keys.responder-agrees-i2r", i_send_i2r, r_send_i2r)
    c.eq("keys.responder-agrees-r2i", i_send_r2i, r_send_r2i)

    # --- §7 transport data ---------------------------------------------------
    transport = build_transport(i_send_i2r, R_INDEX, 0, b"hello, mesh")
    c.eq("example.transport-0", X("transport-0"), transport)
    keepalive = build_transport(i_send_r2i, I_INDEX, 0, b"")
    c.eq("example.keepalive-0", X("keepalive-0"), keepalive)
    c.eq("layout.keepalive-length", MIN_TRANSPORT, len(keepalive))

    try:
        idx, ctr, pt = open_transport(r_send_i2r, X("transport-0") or transport)
        c.eq("responder.open-transport-index", R_INDEX, idx)
        c.eq("responder.open-transport-counter", 0, ctr)
        c.eq("responder.open-transport-payload", b"hello, mesh", pt)
    except (ValueError, InvalidTag) as e:
        c.fail("responder.open-transport", "success", type(e).__name__)
    try:
        idx, ctr, pt = open_transport(i_send_r2i, X("keepalive-0") or keepalive)
        c.eq("initiator.open-keepalive-index", I_INDEX, idx)
        c.eq("initiator.open-keepalive-counter", 0, ctr)
        c.eq("initiator.open-keepalive-empty", b"", pt)
    except (ValueError, InvalidTag) as e:
        c.fail("initiator.open-keepalive", "success", type(e).__name__)
    c.raises("responder.transport-wrong-direction-key-fails",
             lambda: open_transport(r_send_r2i, X("transport-0") or transport), InvalidTag)

    # --- §6.2 cookie and cookie reply to the example initiation ----------------
    SRC_IP, SRC_PORT = "127.0.0.1", 51820
    R_secret = seq(0x80)           # responder's cookie secret R (§15 input)
    cr_nonce = seq(0xA0, 24)       # cookie reply nonce (§15 input)
    src = source_bytes(SRC_IP, SRC_PORT)
    c.eq("cookie.source-bytes", bytes.fromhex("7f000001ca6c"), src)
    c.eq("cookie.source-ipv4-mapped-counts-as-ipv4", src, source_bytes("::ffff:127.0.0.1", SRC_PORT))
    c.eq("cookie.source-ipv6-length", 18, len(source_bytes("2001:db8::1", SRC_PORT)))
    cookie = make_cookie(R_secret, SRC_IP, SRC_PORT)
    c.eq("example.cookie", X("cookie"), cookie)
    c.eq("cookie.is-mac-of-source", MAC(R_secret, src), cookie)

    # the responder (under load) answers the initiation it received
    reply = build_cookie_reply(rx, r_static_pub, R_secret, SRC_IP, SRC_PORT, cr_nonce)
    c.eq("example.cookie-reply", X("cookie-reply"), reply)
    c.eq("cookie.reply-length", LEN_COOKIE, len(reply))
    c.eq("cookie.reply-header", bytes([3, 0, 0, 0]), reply[:4])
    c.eq("cookie.reply-receiver-index", I_INDEX, struct.unpack("<I", reply[4:8])[0])
    c.eq("cookie.reply-nonce", cr_nonce, reply[8:32])

    # the initiator opens the document's cookie reply with the mac1 of the
    # last handshake message it sent to the responder (its own initiation)
    ry_cookie = X("cookie-reply") or reply
    c.true("initiator.cookie-reply-header", check_header(ry_cookie, TYPE_COOKIE, LEN_COOKIE))
    c.eq("initiator.cookie-reply-names-pending-initiation", I_INDEX,
         struct.unpack("<I", ry_cookie[4:8])[0])
    try:
        got_cookie = open_cookie_reply(ry_cookie, r_static_pub, initiation[156:172])
    except (ValueError, InvalidTag) as e:
        got_cookie = "decrypt failed: " + type(e).__name__
    c.eq("initiator.cookie-decrypts", cookie, got_cookie)
    c.raises("initiator.cookie-wrong-mac1-fails",
             lambda: open_cookie_reply(ry_cookie, r_static_pub, bytes(16)), InvalidTag)
    c.raises("initiator.cookie-wrong-static-fails",
             lambda: open_cookie_reply(ry_cookie, i_static_pub, initiation[156:172]), InvalidTag)

    # the same initiation, now carrying mac2 (same ephemeral and timestamp)
    if isinstance(got_cookie, bytes):
        hs_retry = HandshakeIK(True, i_static_sk, r_static_pub)
        retry = build_initiation(hs_retry, I_INDEX, i_eph, ts, I_EPOCH, i_id_pub, r_static_pub,
                                 cookie=got_cookie)
        c.eq("example.initiation-with-mac2", X("initiation-with-mac2"), retry)
        c.eq("cookie.retry-same-bytes-before-mac2", initiation[:172], retry[:172])
        c.eq("cookie.retry-mac2-value", MAC(got_cookie, retry[:172]), retry[172:188])
    # the responder (under load) checks mac1 and mac2 of the document's block
    rz = X("initiation-with-mac2")
    c.true("responder.retry-header", check_header(rz, TYPE_INITIATION, LEN_INITIATION))
    if len(rz) == LEN_INITIATION:
        c.true("responder.retry-mac1", check_mac1(rz, r_static_pub))
        c.true("responder.retry-mac2", check_mac2(rz, make_cookie(R_secret, SRC_IP, SRC_PORT)))
        c.true("responder.retry-mac2-other-port-fails",
               not check_mac2(rz, make_cookie(R_secret, SRC_IP, SRC_PORT + 1)))
        c.true("responder.retry-mac2-other-secret-fails",
               not check_mac2(rz, make_cookie(seq(0x81), SRC_IP, SRC_PORT)))
        c.true("responder.first-initiation-lacks-mac2",
               not check_mac2(rx, make_cookie(R_secret, SRC_IP, SRC_PORT)))

    # --- §5.3 the whole responder pipeline, in the document's order -------------
    def _outcome(resp, m, now=0.0, port=SRC_PORT):
        """("drop", step) / ("cookie", reply) / ("response", response, identity)."""
        try:
            r = resp.process_initiation(m, now, SRC_IP, port, r_eph, R_INDEX, R_EPOCH,
                                        cookie_nonce=cr_nonce)
        except Drop as d:
            return ("drop", d.step)
        return r[:3] if r[0] == "response" else r

    def _initiation(static_sk, identity, timestamp=ts, payload=None):
        return build_initiation(HandshakeIK(True, static_sk, r_static_pub), I_INDEX, i_eph,
                                timestamp, I_EPOCH, identity, r_static_pub, payload=payload)

    resp = Responder(r_seed, allowed=[i_id_pub])
    c.eq("pipeline.example-initiation-answered-with-example-response",
         ("response", X("response"), i_id_pub), _outcome(resp, rx, now=0.0))
    c.eq("pipeline.replayed-initiation-dropped-at-step-7", ("drop", 7), _outcome(resp, rx, now=1.0))
    ts_next = tai64n(TS_SECS + 1, 0)
    c.eq("pipeline.newer-initiation-within-rate-dropped-at-step-8", ("drop", 8),
         _outcome(resp, _initiation(i_static_sk, i_id_pub, ts_next), now=0.049))
    c.eq("pipeline.newer-initiation-after-rate-accepted", "response",
         _outcome(resp, _initiation(i_static_sk, i_id_pub, ts_next), now=0.050)[0])
    c.eq("pipeline.not-allowed-initiator-dropped-at-step-6", ("drop", 6),
         _outcome(Responder(r_seed), rx))
    c.eq("pipeline.wrong-length-dropped-at-step-1", ("drop", 1), _outcome(resp, rx[:156]))
    c.eq("pipeline.bad-mac1-dropped-at-step-2", ("drop", 2),
         _outcome(resp, rx[:156] + bytes([rx[156] ^ 1]) + rx[157:]))
    # an initiation in the old 20-byte-payload layout is 156 bytes: step 1
    old = _initiation(i_static_sk, i_id_pub, payload=ts + struct.pack("<Q", I_EPOCH))
    c.eq("pipeline.old-156-byte-initiation-dropped-at-step-1", ("drop", 1),
         _outcome(Responder(r_seed, allowed=[i_id_pub]), old))
    c.eq("pipeline.invalid-timestamp-dropped-at-step-5", ("drop", 5),
         _outcome(Responder(r_seed, allowed=[i_id_pub]),
                  _initiation(i_static_sk, i_id_pub, struct.pack(">QI", 2 ** 62 - 1, 0))))
    # under load: the example initiation gets the example cookie reply, and
    # the example retry (valid mac2) gets the example response
    loaded = Responder(r_seed, allowed=[i_id_pub], cookie_secret=R_secret)
    loaded.under_load = True
    c.eq("pipeline.under-load-example-initiation-gets-example-cookie-reply",
         ("cookie", X("cookie-reply")), _outcome(loaded, rx))
    c.eq("pipeline.under-load-mac2-for-other-port-gets-cookie-reply", "cookie",
         _outcome(loaded, rz, port=SRC_PORT + 1)[0])
    c.eq("pipeline.under-load-example-retry-gets-example-response",
         ("response", X("response"), i_id_pub), _outcome(loaded, rz))

    # identity binding (§5.2, §5.3 step 5): the payload's identity key must
    # convert to the static key Noise authenticated
    m_seed = seq(0xD0)                      # a third party, "mallory"
    m_id_pub = ed25519_seed_to_public(m_seed)
    m_static_sk = ed25519_sk_to_curve25519(m_seed)
    claims_other = _initiation(i_static_sk, m_id_pub)
    c.true("identity.claiming-initiation-is-well-formed",
           check_header(claims_other, TYPE_INITIATION, LEN_INITIATION)
           and check_mac1(claims_other, r_static_pub))
    both = Responder(r_seed, allowed=[i_id_pub, m_id_pub])
    c.eq("identity.allowed-initiator-claiming-another-allowed-identity-dropped-at-step-5",
         ("drop", 5), _outcome(both, claims_other))
    c.eq("identity.claiming-responder-identity-dropped-at-step-5", ("drop", 5),
         _outcome(Responder(r_seed, allowed=[i_id_pub]), _initiation(i_static_sk, r_id_pub)))
    c.eq("identity.non-converting-identity-dropped-at-step-5", ("drop", 5),
         _outcome(Responder(r_seed, allowed=[i_id_pub]),
                  _initiation(i_static_sk, (1).to_bytes(32, "little"))))
    # a newcomer claiming an allowed identity: dropped before the allowed-peer
    # check, and an admitting node does not admit it
    impostor = _initiation(m_static_sk, i_id_pub)
    c.eq("identity.impostor-of-allowed-peer-dropped-at-step-5", ("drop", 5),
         _outcome(Responder(r_seed, allowed=[i_id_pub]), impostor))
    admitting = Responder(r_seed, admit_limit=1)
    c.eq("identity.admitting-node-drops-impostor-at-step-5", ("drop", 5),
         _outcome(admitting, impostor))
    c.eq("identity.impostor-not-admitted", set(), admitting.admitted)
    # admission of newcomers, up to the configured number
    c.eq("admit.newcomer-admitted-by-identity", ("response", X("response"), i_id_pub),
         _outcome(admitting, rx))
    c.eq("admit.admitted-peer-recorded", {i_static_pub: i_id_pub}, admitting.peers)
    c.eq("admit.beyond-limit-dropped-at-step-6", ("drop", 6),
         _outcome(admitting, _initiation(m_static_sk, m_id_pub)))
    # §3: -A converts to the same static key as A, so step 5 as written
    # accepts a payload claiming -A from the holder of A
    c.eq("identity.negated-claim-passes-step-5-as-written", ("response", bytes(neg)),
         _outcome(Responder(r_seed, allowed=[i_id_pub]),
                  _initiation(i_static_sk, bytes(neg)))[::2])
    c.raises("identity.allowed-peers-refuse-A-and-minus-A",
             lambda: Responder(r_seed, allowed=[i_id_pub, bytes(neg)]), ValueError)

    # --- §12 join keys (no example bytes: self-consistency) ---------------------
    J_SECRET = seq(0xC0)
    J_ADDR = "coord.mcpmesh.test:7443"
    jk = join_key_build(r_id_pub, J_SECRET, J_ADDR)
    c.true("join.prefix", jk.startswith("mcpmesh-join-"), jk)
    c.true("join.base64url-no-padding",
           re.fullmatch(r"mcpmesh-join-[A-Za-z0-9_-]+", jk) is not None, jk)
    raw = b64url_nopad_decode(jk[len(JOIN_PREFIX):])
    n_addr = len(J_ADDR.encode("utf-8"))
    c.eq("join.raw-length", 66 + n_addr + 4, len(raw))
    c.eq("join.raw-version", 1, raw[0])
    c.eq("join.raw-coordinator-key", r_id_pub, raw[1:33])
    c.eq("join.raw-secret", J_SECRET, raw[33:65])
    c.eq("join.raw-address-length", n_addr, raw[65])
    c.eq("join.raw-address", J_ADDR.encode("utf-8"), raw[66:66 + n_addr])
    c.eq("join.raw-checksum", hashlib.blake2b(raw[:66 + n_addr], digest_size=32).digest()[:4],
         raw[66 + n_addr:])
    c.eq("join.roundtrip", (r_id_pub, J_SECRET, J_ADDR, ("coord.mcpmesh.test", 7443)),
         join_key_parse(jk))
    c.eq("join.ignores-surrounding-whitespace", join_key_parse(jk), join_key_parse("  \t" + jk + "\n"))
    jk6 = join_key_build(r_id_pub, J_SECRET, "[2001:db8::1]:51820")
    c.eq("join.roundtrip-ipv6", ("2001:db8::1", 51820), join_key_parse(jk6)[3])
    c.eq("join.coordinator-stores-hashed-secret", 64, len(join_secret_stored(J_SECRET)))
    # one mistyped character in the middle: reported as a checksum mismatch
    mid = len(JOIN_PREFIX) + 40
    typo = jk[:mid] + ("A" if jk[mid] != "A" else "B") + jk[mid + 1:]
    def _typo_kind():
        try:
            join_key_parse(typo)
        except JoinKeyCorrupt as e:
            return "corrupt: " + str(e)
        except JoinKeyError as e:
            return "other: " + str(e)
        return "accepted"
    c.true("join.one-char-change-is-checksum-mismatch",
           _typo_kind().startswith("corrupt: checksum mismatch"), _typo_kind())
    # every single-character change anywhere in the encoded part is refused
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    accepted = []
    for pos in range(len(JOIN_PREFIX), len(jk)):
        for ch in alphabet:
            if ch == jk[pos]:
                continue
            try:
                join_key_parse(jk[:pos] + ch + jk[pos + 1:])
                accepted.append((pos, ch))
            except JoinKeyError:
                pass
    c.true("join.every-one-char-change-detected", not accepted, "accepted: %r" % accepted[:5])
    c.raises("join.cut-key-detected", lambda: join_key_parse(jk[:-3]), JoinKeyCorrupt)
    c.raises("join.rejects-other-prefix",
             lambda: join_key_parse("mcpmesh-joim-" + jk[len(JOIN_PREFIX):]), JoinKeyError)
    c.raises("join.rejects-padding", lambda: join_key_parse(jk + "=="), JoinKeyError)
    # canonical base64url (§12): keys whose length leaves 2 and 4 unused bits
    # in the last character; setting one of those bits does not change the
    # bytes a lenient decoder returns (so the checksum still matches), yet
    # the key must be refused; so must padding and any other alphabet
    for addr, unused in (("coord.mcpmesh.test:443", 2), ("coord.mesh.test:17443", 4)):
        k = join_key_build(r_id_pub, J_SECRET, addr)
        enc = k[len(JOIN_PREFIX):]
        rawk = join_key_raw(r_id_pub, J_SECRET, addr)
        c.eq("join.unused-bits-%d-in-last-character" % unused, unused,
             {1: 4, 2: 2}.get(len(rawk) % 3, 0))
        c.eq("join.roundtrip-%d-unused-bits" % unused, addr, join_key_parse(k)[2])
        last = alphabet.index(enc[-1])
        c.eq("join.last-character-unused-bits-zero-%d" % unused, 0, last & ((1 << unused) - 1))
        for bit in range(unused):
            bad_k = k[:-1] + alphabet[last | (1 << bit)]
            c.eq("join.nonzero-unused-bit-%d-of-%d-lenient-decode-same-bytes" % (bit, unused),
                 rawk, base64.urlsafe_b64decode(bad_k[len(JOIN_PREFIX):] + "=" * (-len(enc) % 4)))
            c.raises("join.rejects-nonzero-unused-bit-%d-of-%d" % (bit, unused),
                     lambda bad_k=bad_k: join_key_parse(bad_k), JoinKeyError)
        padded = JOIN_PREFIX + base64.urlsafe_b64encode(rawk).decode("ascii")
        c.true("join.padded-form-differs-%d" % unused, padded.endswith("="), padded)
        c.raises("join.rejects-padding-%d" % unused, lambda padded=padded: join_key_parse(padded),
                 JoinKeyError)
        c.raises("join.rejects-padding-with-whitespace-%d" % unused,
                 lambda padded=padded: join_key_parse(" " + padded + "\n"), JoinKeyError)
        wrongly_accepted = []
        for pos in range(len(JOIN_PREFIX), len(k)):
            for ch in alphabet:
                if ch != k[pos]:
                    try:
                        join_key_parse(k[:pos] + ch + k[pos + 1:])
                    except JoinKeyError:
                        continue
                    wrongly_accepted.append((pos, ch))
        c.true("join.every-one-char-change-detected-%d-unused-bits" % unused, not wrongly_accepted,
               "accepted: %r" % wrongly_accepted[:5])
    std = jk[len(JOIN_PREFIX):].translate(str.maketrans("-_", "+/"))
    c.true("join.example-key-uses-url-alphabet", std != jk[len(JOIN_PREFIX):], jk)
    c.raises("join.rejects-standard-base64-alphabet", lambda: join_key_parse(JOIN_PREFIX + std),
             JoinKeyError)
    c.raises("join.rejects-inner-whitespace",
             lambda: join_key_parse(jk[:40] + " " + jk[40:]), JoinKeyError)
    c.raises("join.rejects-version-2",
             lambda: join_key_parse(JOIN_PREFIX + b64url_nopad_encode(
                 join_key_raw(r_id_pub, J_SECRET, J_ADDR, version=2))), JoinKeyError)
    c.raises("join.rejects-invalid-coordinator-key",
             lambda: join_key_parse(join_key_build((1).to_bytes(32, "little"), J_SECRET, J_ADDR)),
             JoinKeyError)
    c.raises("join.rejects-address-without-port",
             lambda: join_key_parse(join_key_build(r_id_pub, J_SECRET, "coord.mcpmesh.test")),
             JoinKeyError)
    c.raises("join.rejects-unbracketed-ipv6",
             lambda: join_key_parse(join_key_build(r_id_pub, J_SECRET, "2001:db8::1:51820")),
             JoinKeyError)

    # --- §13 signed envelopes (no example bytes: self-consistency) ----------------
    env_payload = b'{"netmap":"example"}'
    env = envelope_sign(r_seed, "netmap v1", env_payload)
    c.eq("envelope.length", 1 + 64 + len(env_payload), len(env))
    c.eq("envelope.version-byte", 1, env[0])
    c.eq("envelope.payload-in-clear", env_payload, env[65:])
    try:
        got_env = envelope_open(env, r_id_pub, "netmap v1")
    except EnvelopeError as e:
        got_env = "rejected: " + str(e)
    c.eq("envelope.verifies", env_payload, got_env)
    # the signature covers exactly "mcpmesh " || context || 0x00 || payload
    try:
        Ed25519PublicKey.from_public_bytes(r_id_pub).verify(
            env[1:65], b"mcpmesh netmap v1\x00" + env_payload)
        c.ok("envelope.signature-over-labelled-payload")
    except InvalidSignature:
        c.fail("envelope.signature-over-labelled-payload", "valid", "invalid")
    c.eq("envelope.deterministic", env, envelope_sign(r_seed, "netmap v1", env_payload))
    for other in ("key-rotation v1", "register v1"):
        c.raises("envelope.rejects-wrong-context-" + other.split()[0],
                 lambda other=other: envelope_open(env, r_id_pub, other), EnvelopeError)
    c.raises("envelope.rejects-wrong-key", lambda: envelope_open(env, i_id_pub, "netmap v1"),
             EnvelopeError)
    c.raises("envelope.rejects-tampered-payload",
             lambda: envelope_open(env[:-1] + bytes([env[-1] ^ 1]), r_id_pub, "netmap v1"),
             EnvelopeError)
    c.raises("envelope.rejects-version-2",
             lambda: envelope_open(b"\x02" + env[1:], r_id_pub, "netmap v1"), EnvelopeError)
    c.raises("envelope.rejects-short", lambda: envelope_open(env[:64], r_id_pub, "netmap v1"),
             EnvelopeError)
    env_empty = envelope_sign(r_seed, "register v1", b"")
    c.eq("envelope.empty-payload-verifies", b"", envelope_open(env_empty, r_id_pub, "register v1"))

    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
