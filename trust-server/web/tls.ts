/**
 * The MyNet Manager listener's certificate.
 *
 *   - given (`--web-cert FILE --web-key FILE`): both read; the key file is refused when group
 *     or others may read it;
 *   - else the state directory's `web-cert.pem` and `web-key.pem`, made at the first start:
 *     an EC P-256 key from node:crypto (written 0600), and a self-signed X.509 certificate for
 *     it. node:crypto cannot write certificates (X509Certificate only reads them) and no
 *     dependency can, so the certificate comes from `openssl req -x509` (the maker is injected;
 *     tests pass their own);
 *   - the SHA-256 fingerprint (`AA:BB:…`) is what a browser user compares on the first visit.
 *
 * Must hold: a private key is never written or accepted readable by group/others; the key and
 * certificate always match (node:crypto checks it when the pair is loaded).
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes a self-signed certificate for the key in `keyFile` (PEM) to `certFile`. */
export type CertificateMaker = (keyFile: string, certFile: string) => void;

export interface WebCertificate {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** SHA-256 of the DER certificate, `AA:BB:…`. */
  readonly fingerprint: string;
  /** True when this call made the self-signed pair. */
  readonly created: boolean;
}

export interface WebCertOptions {
  readonly stateDir: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly makeCertificate?: CertificateMaker;
}

export class WebCertError extends Error {
  override readonly name = 'WebCertError';
}

export function webCertPaths(stateDir: string): { readonly certFile: string; readonly keyFile: string } {
  return { certFile: join(stateDir, 'web-cert.pem'), keyFile: join(stateDir, 'web-key.pem') };
}

/** The given pair, or the state directory's (made on first use). Throws WebCertError. */
export function loadWebCertificate(o: WebCertOptions): WebCertificate {
  if ((o.certFile === undefined) !== (o.keyFile === undefined)) {
    throw new WebCertError('MyNet Manager certificate: give both --web-cert FILE and --web-key FILE, or neither (then a self-signed pair is kept in the state directory)');
  }
  if (o.certFile !== undefined && o.keyFile !== undefined) return readPair(o.certFile, o.keyFile, false);
  const { certFile, keyFile } = webCertPaths(o.stateDir);
  if (existsSync(certFile) && existsSync(keyFile)) return readPair(certFile, keyFile, false);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  rmSync(certFile, { force: true });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  (o.makeCertificate ?? opensslCertificateMaker)(keyFile, certFile);
  return readPair(certFile, keyFile, true);
}

/** The fingerprint of the state directory's certificate (for `pia-trust web fingerprint`). */
export function stateCertificateFingerprint(stateDir: string): string {
  const { certFile } = webCertPaths(stateDir);
  if (!existsSync(certFile)) throw new WebCertError(`MyNet Manager certificate: ${certFile} does not exist; it is made at the first 'pia-trust serve --web HOST:PORT' without --web-cert`);
  return certificateFingerprint(readFileSync(certFile, 'utf8'), certFile);
}

export function certificateFingerprint(pem: string, file: string): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch (err) {
    throw new WebCertError(`MyNet Manager certificate: ${file} is not a PEM X.509 certificate (${err instanceof Error ? err.message : String(err)}); give a PEM certificate`);
  }
}

/** `openssl req -x509`: a 10-year self-signed certificate, CN pia-trust, for localhost too. */
export function opensslCertificateMaker(keyFile: string, certFile: string): void {
  try {
    execFileSync('openssl', ['req', '-x509', '-key', keyFile, '-out', certFile, '-days', '3650', '-subj', '/CN=pia-trust', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new WebCertError('MyNet Manager certificate: the openssl program is needed once to make the self-signed certificate; install it (apt-get install openssl) or give --web-cert FILE --web-key FILE');
    }
    throw new WebCertError(`MyNet Manager certificate: openssl could not make ${certFile}: ${e.stderr?.toString('utf8').trim() ?? e.message}; give --web-cert FILE --web-key FILE instead`);
  }
}

function readPair(certFile: string, keyFile: string, created: boolean): WebCertificate {
  const cert = readText(certFile, 'certificate', '--web-cert');
  const mode = statSync(keyFile, { throwIfNoEntry: false })?.mode;
  if (mode !== undefined && (mode & 0o077) !== 0) {
    throw new WebCertError(`MyNet Manager certificate: the key file ${keyFile} can be read by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 ${keyFile}`);
  }
  const key = readText(keyFile, 'key', '--web-key');
  const fingerprint = certificateFingerprint(cert, certFile);
  let matches: boolean;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new WebCertError(`MyNet Manager certificate: ${keyFile} is not a PEM private key (${err instanceof Error ? err.message : String(err)}); give the key of ${certFile}`);
  }
  if (!matches) throw new WebCertError(`MyNet Manager certificate: the key in ${keyFile} does not belong to ${certFile}; give the matching pair`);
  return { cert, key, certFile, keyFile, fingerprint, created };
}

function readText(file: string, what: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new WebCertError(`MyNet Manager certificate: cannot read the ${what} file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); check ${option} or the state directory`);
  }
}
