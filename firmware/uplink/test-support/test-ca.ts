/** Test helper: a throwaway CA and a server certificate for 127.0.0.1 (CN and SAN), made with openssl. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  readonly caFile: string;
  readonly ca: string;
  readonly certFile: string;
  readonly keyFile: string;
}

const openssl = (dir: string, args: readonly string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
};

/** Writes `<name>-ca.pem` (and its key); with `server`, also a server cert and key signed by it. */
export function makeTestCa(dir: string, name: string): TestCa {
  const caKey = `${name}-ca.key`;
  const caFile = `${name}-ca.pem`;
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', `/CN=${name} test CA`]);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-server.key`, '-out', `${name}-server.csr`, '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, `${name}-ext.cnf`), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(dir, ['x509', '-req', '-in', `${name}-server.csr`, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', `${name}-server.pem`, '-days', '2', '-extfile', `${name}-ext.cnf`]);
  return { caFile: join(dir, caFile), ca: readFileSync(join(dir, caFile), 'utf8'), certFile: join(dir, `${name}-server.pem`), keyFile: join(dir, `${name}-server.key`) };
}

/** A client certificate for `commonName`, signed by the CA `name` made above: `{ cert, key }` PEM texts. */
export function issueClientCert(dir: string, name: string, commonName: string): { cert: string; key: string } {
  const base = `${name}-client-${commonName}`;
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${commonName}`]);
  writeFileSync(join(dir, `${base}-ext.cnf`), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  openssl(dir, ['x509', '-req', '-in', `${base}.csr`, '-CA', `${name}-ca.pem`, '-CAkey', `${name}-ca.key`, '-CAcreateserial', '-out', `${base}.pem`, '-days', '2', '-extfile', `${base}-ext.cnf`]);
  return { cert: readFileSync(join(dir, `${base}.pem`), 'utf8'), key: readFileSync(join(dir, `${base}.key`), 'utf8') };
}
