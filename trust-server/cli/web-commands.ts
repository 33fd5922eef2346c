/**
 * `pia-trust web fingerprint`: the SHA-256 fingerprint (`AA:BB:…`) of the state directory's
 * MyNet Manager certificate, for users to compare with what their browser shows on the first
 * visit. Reads the file only; works with the server down. A missing or unreadable
 * certificate → exit 2 with how to make it.
 */
import { stateCertificateFingerprint, WebCertError } from '../web/tls.js';
import { CliError } from './admin-client.js';
import { ExitCode } from './exit-codes.js';
import type { TrustIo } from './io.js';

export function webFingerprint(stateDir: string, io: TrustIo): number {
  try {
    io.stdout.write(`${stateCertificateFingerprint(stateDir)}\n`);
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof WebCertError) throw new CliError(ExitCode.Usage, err.message);
    throw err;
  }
}
