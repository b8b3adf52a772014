// Test PKI with the openssl CLI: one CA, the apiserver's serving cert, an admin client cert
// (O=system:masters) and the service-account key pair; for a real node, the kubelet's client
// cert (O=system:nodes, so the Node authorizer applies) and its serving cert.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(
      `openssl ${args[0] ?? ''} failed (install it with: apt-get install openssl): ${String((err as { stderr?: Buffer }).stderr ?? err)}`,
    );
  }
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  openssl(
    ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/** `extraIps`: more IP SANs for the apiserver's serving cert (a real node's address). */
export function makePki(dir: string, extraIps: string[] = []): Pki {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '30',
      '-subj',
      '/CN=procos-e2e-ca',
    ],
    dir,
  );
  const sans = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    'localhost',
  ];
  signed(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    `subjectAltName=${[...sans.map((s) => `DNS:${s}`), 'IP:127.0.0.1', 'IP:10.0.0.1', ...extraIps.map((ip) => `IP:${ip}`)].join(',')}\nextendedKeyUsage=serverAuth\n`,
  );
  signed(dir, 'admin', '/O=system:masters/CN=procos-e2e-admin', 'extendedKeyUsage=clientAuth\n');
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const p = (f: string): string => join(dir, f);
  return {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

export function kubeconfig(pki: Pki, server: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: procos-e2e
    cluster:
      server: ${server}
      certificate-authority: ${pki.caCert}
users:
  - name: admin
    user:
      client-certificate: ${pki.adminCert}
      client-key: ${pki.adminKey}
contexts:
  - name: procos-e2e
    context: { cluster: procos-e2e, user: admin }
current-context: procos-e2e
`;
}

export interface NodeCerts {
  clientCert: string;
  clientKey: string;
  servingCert: string;
  servingKey: string;
}

/** A kubelet's client identity (system:node:NAME in system:nodes) and its serving cert for NODE_IP. */
export function makeNodeCerts(dir: string, nodeName: string, nodeIp: string): NodeCerts {
  signed(dir, `kubelet-${nodeName}`, `/O=system:nodes/CN=system:node:${nodeName}`, 'extendedKeyUsage=clientAuth\n');
  signed(
    dir,
    `kubelet-serving-${nodeName}`,
    `/CN=${nodeName}`,
    `subjectAltName=DNS:${nodeName},IP:${nodeIp}\nextendedKeyUsage=serverAuth\n`,
  );
  const p = (f: string): string => join(dir, f);
  return {
    clientCert: p(`kubelet-${nodeName}.crt`),
    clientKey: p(`kubelet-${nodeName}.key`),
    servingCert: p(`kubelet-serving-${nodeName}.crt`),
    servingKey: p(`kubelet-serving-${nodeName}.key`),
  };
}

/** A kubeconfig for a client cert (the kubelet's). */
export function clientKubeconfig(caCert: string, server: string, cert: string, key: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: procos-e2e
    cluster: { server: ${server}, certificate-authority: ${caCert} }
users:
  - name: client
    user: { client-certificate: ${cert}, client-key: ${key} }
contexts:
  - name: procos-e2e
    context: { cluster: procos-e2e, user: client }
current-context: procos-e2e
`;
}
