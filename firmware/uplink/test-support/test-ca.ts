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
