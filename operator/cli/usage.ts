/** `piactl --help`: the commands, the target syntax, the options and the exit codes (exit-codes.ts). */
export const USAGE = `piactl: read and drive the devices of a PIA gateway; every command runs over PIA at
phase 3 (the gateway and this operator proved their identities through the trusted server)

usage:
  piactl [--credential FILE] [--gateway [ADDR]:PORT] [--gateway-id ID] [--known-gateways FILE]
         [--suite aes-gcm,chacha20] [--json] [--timeout MS] COMMAND …

commands:
  ls [TARGET]                   the devices and their resources (CoAP /.well-known/core);
                                TARGET narrows it to one device (a name) or one address (coap://[ADDR])
  get TARGET                    a property's value, or a whole device (every property and its health)
  set TARGET VALUE              write a property (PUT). VALUE is read as JSON: 80, -2, 21.5, true,
                                null, "80" (a string); anything else is sent as a string (cool)
  call TARGET [NAME=VALUE …]    run an action (POST) with its parameters as a JSON object; each VALUE
                                is read as set reads it (seconds=5 → {"seconds": 5})
  watch TARGET [--count N]      one line per new value of an observable property (CoAP Observe);
                                stops after N values, or on Ctrl-C (exit 0)
  snapshot TARGET -o FILE [NAME=VALUE …]
                                fetch an image (Block2), check it is a whole JPEG (FF D8 … FF D9) and
                                write FILE atomically; NAME=VALUE go as query parameters (size=320x240)
  ping [[ADDR]:PORT]            phase 2 and phase 3 with the gateway: how long each took, who it is
                                (node ID, kind, label) and how many grants this operator has there
  console [--open]              the live console in a browser: every gateway given (--gateway is
                                repeatable here) and every line of the known-gateways file, their
                                devices, live values, charts, alarms and controls; serves a page on
                                127.0.0.1 (a free port) and prints its URL with a one-time token;
                                --open runs xdg-open on it; Ctrl-C stops it (exit 0)
  help                          this text (also --help)

targets:
  DEVICE or DEVICE/RESOURCE     by name (rack-fan/speed): looked up in the gateway's listing
                                (GET /.well-known/core at the gateway's own address); needs --gateway
  coap://[ADDR]/DEVICE[/RESOURCE]
                                at the device's own IPv6 address; the gateway defaults to [ADDR]:4500

options:
  --credential FILE             this operator's credential, from
                                'pia-trust node add --kind operator --label NAME --out FILE' (mode 0600);
                                default $PIACTL_CREDENTIAL, else ~/.config/piactl/credential.json
                                ($XDG_CONFIG_HOME/piactl/credential.json when XDG_CONFIG_HOME is set)
  --gateway [ADDR]:PORT         the gateway's PIA endpoint ([2001:db8::1]:4500, [::1], 192.0.2.1:4500);
                                default $PIACTL_GATEWAY, else the coap:// target's address, port 4500
  --gateway-id ID               the gateway's node ID (a UUID; 'pia-trust node list' shows it): phase 3
                                must find that gateway at the endpoint, or piactl stops (exit 4);
                                default $PIACTL_GATEWAY_ID; without one, the known-gateways file
  --known-gateways FILE         the gateway met first at each endpoint, remembered (trust on first use,
                                like SSH's known_hosts; a line: [ADDR]:PORT NODE-ID LABEL); another
                                node answering there later is refused (exit 4); default
                                $PIACTL_KNOWN_GATEWAYS, else known_gateways beside the default credential
  --suite LIST                  the PIA suites this operator offers, preferred first (aes-gcm,
                                chacha20, or one of them); default both in this CPU's order:
                                aes-gcm first with AES instructions, chacha20 first without
  --json                        results as JSON on stdout, one object per result (watch: one per
                                line); a failure too: {"ok": false, "exitCode", "error", …}
  --timeout MS                  how long to wait for the PIA connection (phase 2 + phase 3), then
                                for each answer; default 15000 (snapshot: 60000: a capture over a
                                serial line takes a while)
  -c, --count N                 watch: stop after N values
  -o, --output FILE             snapshot: where to write the JPEG
PIA_KEYLOG=FILE appends each SA's keys for Wireshark (docs/protocol.md §8; debugging only).

exit codes:
  0    ok
  1    device error: the device failed or is busy (5.xx), or sent a broken JPEG
  2    usage: bad arguments, or a file they name cannot be used (the credential, the
       known-gateways file, the snapshot's output)
  3    unreachable: nothing listens at the gateway's port (said at once), no answer from the
       gateway (PIA or CoAP), or it cannot reach the trusted server
  4    not authorized: phase 3 denied (the trusted server's reason is printed; reason 6: another
       node than the gateway expected answered at the endpoint, both are named), refused by
       the gateway's policy (4.01, 4.03, with the gateway's reason), or the gateway closed the
       association because the trusted server revoked this operator (watch ends at once)
  5    not found: no such device or resource (4.04)
  6    invalid: the device refused the value or the request (4.00; 4.05 on a read-only property)
  130  interrupted (Ctrl-C, SIGTERM) before the command completed; watch stops with 0
`;
