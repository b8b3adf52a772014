import { describe, expect, it } from 'vitest';
import { operatorEngineSettings, parseGrpcAddress, parseHttpUrl, serviceOf } from './engine-address.js';

describe('engine addresses', () => {
  it('reads the forms the SDK and the chart write', () => {
    expect(parseGrpcAddress('grpc://procos-engine.procos-system.svc:26500')).toEqual({
      host: 'procos-engine.procos-system.svc',
      port: 26500,
      tls: false,
    });
    expect(parseGrpcAddress('grpcs://zeebe.example.com:443')).toEqual({
      host: 'zeebe.example.com',
      port: 443,
      tls: true,
    });
    expect(parseGrpcAddress('127.0.0.1:1234')).toEqual({ host: '127.0.0.1', port: 1234, tls: false });
    expect(parseGrpcAddress('zeebe')).toEqual({ host: 'zeebe', port: 26500, tls: false });
    expect(parseGrpcAddress('[::1]:26500')).toEqual({ host: '::1', port: 26500, tls: false });
    expect(parseGrpcAddress('not an address')).toBeUndefined();
    expect(parseHttpUrl('http://procos-engine.procos-system.svc:9600')).toEqual({
      host: 'procos-engine.procos-system.svc',
      port: 9600,
      tls: false,
      path: '',
    });
    expect(parseHttpUrl('grpc://x:1')).toBeUndefined();
  });

  it('tells a cluster Service from an address this machine reaches', () => {
    expect(serviceOf('procos-engine.procos-system.svc', 'x')).toEqual({
      name: 'procos-engine',
      namespace: 'procos-system',
      certain: true,
    });
    expect(serviceOf('procos-engine.procos-system.svc.cluster.local', 'x')).toMatchObject({ certain: true });
    expect(serviceOf('zeebe-gateway.camunda', 'x')).toEqual({
      name: 'zeebe-gateway',
      namespace: 'camunda',
      certain: false,
    });
    expect(serviceOf('zeebe', 'procos-system')).toEqual({ name: 'zeebe', namespace: 'procos-system', certain: false });
    expect(serviceOf('10.0.0.7', 'x')).toBeUndefined();
    expect(serviceOf('localhost', 'x')).toBeUndefined();
    expect(serviceOf('zeebe.eu-1.camunda.io', 'x')).toBeUndefined();
  });

  it('reads the engine off the operator container as charts/procos renders it', () => {
    const settings = operatorEngineSettings({
      containers: [
        {
          name: 'operator',
          args: ['--backlog-source=procos-engine', '--backlog-url=http://procos-engine.procos-system.svc:9600'],
          env: [
            { name: 'ZEEBE_GRPC_ADDRESS', value: 'grpc://procos-engine.procos-system.svc:26500' },
            { name: 'CAMUNDA_AUTH_STRATEGY', value: 'OAUTH' },
          ],
          envFrom: [{ secretRef: { name: 'zeebe-credentials' } }],
        },
      ],
    });
    expect(settings).toEqual({
      address: 'grpc://procos-engine.procos-system.svc:26500',
      monitoringUrl: 'http://procos-engine.procos-system.svc:9600',
      authStrategy: 'OAUTH',
      credentialSecrets: ['zeebe-credentials'],
    });
    // A Camunda backlog URL is not procos-engine's read API.
    expect(
      operatorEngineSettings({
        containers: [{ name: 'operator', args: ['--backlog-source', 'camunda', '--backlog-url', 'http://c:8080'] }],
      }).monitoringUrl,
    ).toBeUndefined();
    // The bundled engine with its token (bundledEngine.auth): where the operator's token is.
    expect(
      operatorEngineSettings({
        containers: [
          {
            name: 'operator',
            env: [
              { name: 'CAMUNDA_AUTH_STRATEGY', value: 'BEARER' },
              {
                name: 'CAMUNDA_OAUTH_TOKEN',
                valueFrom: { secretKeyRef: { name: 'procos-engine-auth', key: 'token' } },
              },
            ],
          },
        ],
      }),
    ).toMatchObject({ authStrategy: 'BEARER', tokenSecret: { name: 'procos-engine-auth', key: 'token' } });
  });
});
