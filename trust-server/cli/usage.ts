/** `pia-trust --help` (kept in step with trust-server/README.md). */
export const USAGE = `pia-trust: the PIA trusted server (docs/protocol.md §9): node registry, grants, phase 3, audit

usage:
  pia-trust serve [--state DIR] [--pia [ADDR]:PORT] [--admin ADDR:PORT] [--advertise [ADDR]:PORT]
                  [--allow-remote-admin] [--web ADDR:PORT [--web-cert FILE --web-key FILE]]
                  [--ticket-lifetime SECONDS] [--suite chacha20,aes-gcm]
                  [--database URL | --database-file FILE]
      run the phase-3 service on the PIA UDP port (default [::]:4500) and the JSON admin API
      (default 127.0.0.1:4580; a non-loopback --admin needs --allow-remote-admin). The first
      start creates DIR (default /var/lib/pia-trust, mode 0700) with a master key (unless
      PIA_TRUST_MASTER_KEY is set), the server's own identity and the admin token.
      --advertise: the PIA endpoint written into credentials (default: the --pia address, or
      ::1 when it is a wildcard). Several servers on one --database: give --advertise once per
      server's endpoint, the same list to each; credentials name them all and nodes move on to
      the next when one does not answer. SIGINT or SIGTERM stops it.
      --web: MyNet Manager's HTTPS listener (off unless given; login, logout, sessions). Its
      certificate: --web-cert/--web-key (the key file mode 0600), or a self-signed one made
      in DIR at the first start (needs the openssl program once); its fingerprint is logged.
      --ticket-lifetime: the longest phase-3 ticket, 1–600 s (default 600): a removed grant
      or a revoked node keeps working on an existing association at most this long.
      --suite: the PIA suites offered and accepted, preferred first (aes-gcm, chacha20);
      default both, in this CPU's order (aes-gcm first with AES instructions), logged at start.
      --database postgres://USER@HOST:PORT/DATABASE: keep the registry, grants, accounts and
      reports in PostgreSQL (several servers may share it) instead of DIR's SQLite file, and
      the audit log too (one hash chain for every server, table audit_log); DIR still holds
      the master key and the admin token. The password: in
      --database-file FILE instead (one line, the whole URL; the file mode 0600), or in
      PGPASSWORD, never on the command line. The first start creates the tables (the role
      needs CREATE on the database). Unreachable at start: exit 5.

  pia-trust web fingerprint [--state DIR]
      print the SHA-256 fingerprint (AA:BB:...) of DIR's MyNet Manager certificate, for
      users to compare with what their browser shows

  pia-trust node add --kind gateway|operator|station --label L [--groups a,b] [--owner NAME]
                     [--out FILE]
      register a node with a fresh ID and key; its credential (ID, key, the server's endpoint)
      is shown ONCE: printed to stdout as JSON, or written to FILE (created with mode 0600,
      never overwritten). Keep it like a password; the server never shows the key again.
      --owner: the MyNet Manager account that owns it (it must exist: pia-trust user list).
  pia-trust node list [--json]
  pia-trust node revoke ID
  pia-trust node owner ID ACCOUNT [--json]
  pia-trust node owner ID --none [--json]
      give the node another owner, or none (an admin then manages it alone)
  pia-trust grant add --subject ID|group:NAME --gateway ID --devices SEL
                      --rights read,control,call:NAME [--not-before ISO] [--not-after ISO]
      SEL: a device name, a glob (rack1-*) or '*'
  pia-trust grant list [--json]
  pia-trust grant remove ID
      these talk to the running server's admin API, found through DIR (--state) or given
      with --api URL [--token-file FILE]. revoke and grant remove print how long existing
      associations may still use the access: the server's --ticket-lifetime.

  pia-trust user add NAME --role admin|owner (--password-file F | --password-stdin)
  pia-trust user passwd NAME (--password-file F | --password-stdin)
  pia-trust user list [--json]
  pia-trust user remove NAME
  pia-trust user disable NAME [--json]
  pia-trust user enable NAME [--json]
  pia-trust user role NAME admin|owner [--json]
      MyNet Manager accounts. NAME: 1-64 of a-z 0-9 . _ -. The password (12 characters or
      more) is read from F (mode 0600: others must not read it) or a pipe, never from an
      argument; it is hashed (scrypt) here and only the hash is sent. Through the admin API,
      like node and grant. A disabled account cannot sign in; disabling, a new role or a new
      password ends its open sessions. The last active admin can be neither removed,
      disabled nor demoted.

  pia-trust policy export [--out FILE]
  pia-trust policy check FILE [--json]
  pia-trust policy apply FILE [--json]
      policy as code: groups, owners and grants as one YAML file with a tests: block of
      "node X may / may not do R on gateway G device D". export writes the server's policy
      (never over an existing file); check shows the changes apply would make and runs the
      tests; apply makes the changes in one step, audited, only when every test holds.
      Through the admin API, like node and grant.

  pia-trust audit verify [--state DIR | --file F | --database URL | --database-file FILE]
      recompute the audit hash chain; name the first broken record
  pia-trust audit tail [-n N] [--json] [--state DIR | --file F | --database URL | --database-file FILE]
      show the last N records (default 20); both read the file (or the database's audit_log
      table, in batches) and work with the server down
  pia-trust audit export (--database URL | --database-file FILE) [--out FILE]
      write the database's audit log as JSON lines (the file form; --out is never
      overwritten, mode 0600) for 'pia-trust audit verify --file FILE' offline: the same
      result and last hash
  pia-trust db grant (--database OWNER_URL | --database-file FILE) --role NAME
      as the schema owner: let role NAME (created beforehand) run 'serve --database' with
      SELECT, INSERT, UPDATE, DELETE on the store's tables and only SELECT, INSERT on
      audit_log (no role may change or remove an audit record: a trigger refuses it)

exit codes:
  0  ok (serve: stopped by a signal; audit verify: the chain is intact)
  1  audit verify: the chain is broken (the first broken record is named)
  2  bad arguments, or a file they name cannot be used (--out exists, token file unreadable)
  3  the admin API cannot be reached (the server is not running, or --api is wrong)
  4  the server refused: invalid input, unknown node, grant or account, the last active
     admin, wrong token
  5  serve could not start: state directory, master key, ports, or the database (with
     --database: not running, refused the login, no such database); audit and db
     commands with --database: the database is out of reach
  6  policy check|apply: a test in the policy file does not hold (apply changed nothing)
`;
