import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  isLoopbackName,
  listensOnLoopback,
  MISDIRECTED,
  refusalForHost,
  requestTarget,
} from '../src/target.ts';

// What a request is aimed at, and whether a server answers for it (src/target.ts). The servers
// themselves are tested with these rules in every exercise (support/testing/target-contract.ts).

describe('loopback names', () => {
  it.each([
    'localhost',
    'localhost:8082',
    'LOCALHOST:1',
    'app.localhost',
    'a.b.localhost:3000',
    '127.0.0.1',
    '127.0.0.1:8082',
    '127.255.255.254:1',
    '[::1]',
    '[::1]:8082',
    '[0:0:0:0:0:0:0:1]:80',
  ])('%s is loopback', (host) => {
    expect(isLoopbackName(host)).toBe(true);
  });

  it.each([
    'attacker.example',
    'attacker.example:8082',
    'localhost.attacker.example',
    'localhost.',
    'mylocalhost',
    '128.0.0.1',
    '10.0.0.1:8082',
    '0.0.0.0',
    '[::]',
    '[::2]:8082',
    '[::ffff:127.0.0.1]',
    'localhost@attacker.example',
    'attacker.example/localhost',
    'attacker.example#.localhost',
    'localhost:99999',
    '',
  ])('%s is not', (host) => {
    expect(isLoopbackName(host)).toBe(false);
  });

  it('listening on loopback: without HOST, or with a loopback HOST', () => {
    for (const host of [undefined, '127.0.0.1', '::1', 'localhost', '127.0.0.2']) {
      expect(listensOnLoopback(host), String(host)).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'my-laptop.lan']) {
      expect(listensOnLoopback(host), host).toBe(false);
    }
  });
});

describe('the request target (RFC 9112 §3.2)', () => {
  it.each([
    ['/ws', { path: '/ws', host: undefined }],
    ['/ws?inspect=1', { path: '/ws', host: undefined }],
    ['/a/../ws', { path: '/ws', host: undefined }],
    // Two slashes start a path, not a host.
    ['//attacker.example/ws', { path: '//attacker.example/ws', host: undefined }],
    ['*', { path: '*', host: undefined }],
    ['http://attacker.example/ws?x=1', { path: '/ws', host: 'attacker.example' }],
    ['HTTP://LOCALHOST:8082/ws', { path: '/ws', host: 'localhost:8082' }],
    ['ws://localhost/ws', { path: '/ws', host: 'localhost' }],
  ])('%s', (url, target) => {
    expect(requestTarget({ url })).toEqual(target);
  });

  it('is undefined for anything else', () => {
    expect(requestTarget({ url: 'foo:bar' })).toBeUndefined();
  });
});

describe('refusalForHost', () => {
  const request = (url: string, ...hosts: string[]) =>
    ({
      url,
      headers: hosts.length > 0 ? { host: hosts[0] } : {},
      rawHeaders: hosts.flatMap((host) => ['Host', host]),
    }) as unknown as IncomingMessage;

  it('listening on loopback, answers only for a loopback name, in Host and in the target', () => {
    expect(refusalForHost(request('/ws', 'localhost:8082'), undefined)).toBeUndefined();
    expect(refusalForHost(request('/ws', 'attacker.example:8082'), undefined)?.status).toBe(
      MISDIRECTED,
    );
    const absolute = request('http://attacker.example/ws', 'localhost:8082');
    expect(refusalForHost(absolute, '127.0.0.1')).toEqual({
      status: 421,
      reason:
        'this server listens on loopback and answers for localhost only, not for ' +
        '"attacker.example" (see HOST in the README)',
    });
    expect(refusalForHost(request('http://localhost:8082/ws', 'localhost'), '::1')).toBe(undefined);
  });

  it('opened to the network, answers for any well-formed Host', () => {
    expect(refusalForHost(request('/ws', 'attacker.example'), '0.0.0.0')).toBeUndefined();
    expect(refusalForHost(request('http://other.example/ws', 'a'), '::')).toBeUndefined();
  });

  it('refuses with 400 whatever the HOST: no Host, two, a malformed one, a target without a host', () => {
    for (const listeningOn of [undefined, '0.0.0.0']) {
      expect(refusalForHost(request('/ws'), listeningOn)?.status).toBe(400);
      expect(refusalForHost(request('/ws', 'localhost', 'localhost'), listeningOn)?.status).toBe(
        400,
      );
      expect(refusalForHost(request('/ws', 'a b'), listeningOn)?.status).toBe(400);
      expect(refusalForHost(request('foo:bar', 'localhost'), listeningOn)?.status).toBe(400);
    }
  });
});
