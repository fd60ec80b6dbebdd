"""Git pkt-line framing (gitprotocol-common(5)), just enough for the hub to read a client's
request and to write a one-line error the way upload-pack itself would."""

FLUSH = b"0000"

# Special packets that carry no payload: flush, delim (protocol v2), response-end (v2).
_SPECIAL = {0: "flush", 1: "delim", 2: "response-end"}


class PktLineError(ValueError):
    pass


def encode(payload):
    """One data packet: four hex digits of total length, then the payload."""
    if isinstance(payload, str):
        payload = payload.encode()
    if len(payload) > 65516:
        raise PktLineError("pkt-line payload too long")
    return b"%04x" % (len(payload) + 4) + payload


def parse(data):
    """Yields each packet's payload (bytes) or, for special packets, their name (str).

    Stops quietly at the end of data; a truncated or malformed packet raises PktLineError so the
    caller can decide to let the real server reject the request instead.
    """
    pos = 0
    while pos < len(data):
        head = data[pos:pos + 4]
        try:
            length = int(head, 16)
        except ValueError:
            raise PktLineError("bad pkt-line length %r at offset %d" % (head, pos)) from None
        if length in _SPECIAL:
            yield _SPECIAL[length]
            pos += 4
            continue
        if length < 4 or pos + length > len(data):
            raise PktLineError("truncated pkt-line at offset %d" % pos)
        yield data[pos + 4:pos + length]
        pos += length


def wanted_oids(data):
    """The object ids a fetch request asks for, in protocol v0/v1 and v2 alike.

    v0: the first line is "want <oid> <capabilities>", later ones "want <oid>".
    v2: "command=fetch", capabilities, delim, then "want <oid>" argument lines.
    "want-ref <name>" (v2) names a ref, which is always allowed, so it is not an oid here.
    """
    oids = []
    for pkt in parse(data):
        if isinstance(pkt, bytes) and pkt.startswith(b"want "):
            fields = pkt[5:].split()
            if fields:
                oids.append(fields[0].decode("ascii", "replace"))
    return oids
