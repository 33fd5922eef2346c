# Independent implementation of firmware/addressing/iid.ts (Python hashlib, ipaddress).
import hashlib, ipaddress, json, uuid
def vec(comment, prefix, gw, name, counter, secret=b''):
    net = ipaddress.IPv6Network(prefix)
    p = net.network_address.packed[:8]
    g = uuid.UUID(gw).bytes
    n = name.encode()
    inp = b'PIA-GW-IID-v1' + p + g + bytes([len(n)]) + n + bytes([counter]) + bytes([len(secret)]) + secret
    h = hashlib.sha256(inp).digest()
    addr = ipaddress.IPv6Address(p + h[:8])
    return {"comment": comment, "prefix": prefix, "gatewayId": gw, "deviceName": name, "dadCounter": counter,
            "secretHex": secret.hex(), "inputHex": inp.hex(), "sha256Hex": h.hex(), "iidHex": h[:8].hex(), "address": str(addr)}
G='3f2504e0-4f89-41d3-9a0c-0305e82c3301'
P='2001:db8:42:1::/64'
v=[vec('base case', P, G, 'rack-temp', 0),
   vec('another device name', P, G, 'rack-fan', 0),
   vec('the next DAD counter (used when counter 0 gives a reserved IID)', P, G, 'rack-temp', 1),
   vec('another gateway', P, '9b2c6f1e-2d3a-4c5b-8e7f-0a1b2c3d4e5f', 'rack-temp', 0),
   vec('another prefix (ULA)', 'fd12:3456:789a:1::/64', G, 'rack-temp', 0),
   vec('with a 32-byte secret 00..1f', P, G, 'rack-temp', 0, bytes(range(32))),
   vec('a 63-character name', P, G, 'a'*62+'z', 0)]
print(json.dumps({"source": "firmware/addressing/vectors/README.md", "vectors": v}, indent=2))
