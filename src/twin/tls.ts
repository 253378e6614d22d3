import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { PROJECT_DIR } from '../project-dir';

/**
 * A local certificate authority and a loopback server certificate for the twin's HTTPS servers.
 * msal-node refuses http:// authorities, so the Entra twin (and, for uniformity, every twin
 * service) speaks HTTPS. Clients trust the CA through NODE_EXTRA_CA_CERTS, which Node reads once
 * at process start: that is why the files persist in a state directory and are made before any
 * client process starts (scripts/with-twin-ca.ts).
 */
export interface TwinCertificates {
  caPath: string;
  cert: string;
  key: string;
}

export function defaultStateDir(): string {
  return process.env.TWIN_STATE_DIR ?? path.join(PROJECT_DIR, '.twin');
}

export function ensureTwinCertificates(stateDir = defaultStateDir()): TwinCertificates {
  const caPath = path.join(stateDir, 'ca.pem');
  const certPath = path.join(stateDir, 'server.pem');
  const keyPath = path.join(stateDir, 'server-key.pem');
  if (![caPath, certPath, keyPath].every((file) => fs.existsSync(file))) {
    fs.mkdirSync(stateDir, { recursive: true });
    const made = makeCaAndServerCertificate();
    fs.writeFileSync(keyPath, made.serverKey, { mode: 0o600 });
    fs.writeFileSync(certPath, made.serverCert);
    fs.writeFileSync(caPath, made.caCert);
  }
  return { caPath, cert: fs.readFileSync(certPath, 'utf8'), key: fs.readFileSync(keyPath, 'utf8') };
}

function makeCaAndServerCertificate(): { caCert: string; serverCert: string; serverKey: string } {
  const { pki, md } = forge;
  const caKeys = pki.rsa.generateKeyPair(2048);
  const ca = pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = randomSerial();
  setValidity(ca, 10);
  const caName = [{ name: 'commonName', value: 'Defender ChatOps local twin CA' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, md.sha256.create());

  const serverKeys = pki.rsa.generateKeyPair(2048);
  const server = pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = randomSerial();
  setValidity(server, 2);
  server.setSubject([{ name: 'commonName', value: 'localhost' }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  server.sign(caKeys.privateKey, md.sha256.create());

  return {
    caCert: pki.certificateToPem(ca),
    serverCert: pki.certificateToPem(server),
    serverKey: pki.privateKeyToPem(serverKeys.privateKey),
  };
}

function setValidity(cert: forge.pki.Certificate, years: number): void {
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + years * 365 * 24 * 3600 * 1000);
}

function randomSerial(): string {
  // Positive serial: first hex digit below 8.
  return '1' + forge.util.bytesToHex(forge.random.getBytesSync(15));
}
