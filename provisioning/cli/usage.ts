/** `pia-provision help`. */
export const USAGE = `pia-provision: turn blank boards into trusted PIA nodes at the factory (provisioning/README.md)

  pia-provision burn    --station FILE --board SPEC --label TEXT [--kind gateway|operator]
                        [--key-source server|station] [--force OLD_ID] [--state DIR] [--labels DIR] [--json]
  pia-provision batch   --station FILE --boards FILE.json|FILE.csv [--report FILE.csv|FILE.json]
                        [--kind …] [--key-source …] [--state DIR] [--labels DIR] [--json]
  pia-provision verify  --board SPEC [--json]     the board's identity, and phase 3 with its key
  pia-provision inspect --board SPEC [--json]     what each store holds (nothing is changed)

  --station   the station's credential ('pia-trust node add --kind station --label LINE --out FILE')
  --board     atecc608=i2c-1:0x60[,slot=0][,idslot=8]  +eeprom=i2c-0:0x50   or   file=/path/identity.json
  --key-source  server (default): the trusted server generates the ID and key; station: this station does
  --force     replace the identity the board holds (name that ID); a locked ATECC608 can never be replaced
  --state     the station's private folder (default ~/.local/state/pia-station): the journal of unfinished burns
  --labels    where label PNGs go (default ./labels)

A power cut or a crash at any step: run the same command again; it resumes the board.

Exit codes: 0 provisioned and verified · 1 bad arguments or files · 2 board problem (nothing at the
address, wrong chip, chip locked unusably, bus fault) · 3 already provisioned, nothing changed ·
4 station not authorized · 5 trusted server unreachable or refusing · 6 verification failed (run
again) · 7 batch: some boards failed · 130 interrupted
`;
