import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostAllowed, hostHeaderName, originAllowed } from '../../electron/shared/request-guard';

describe('Host check (DNS rebinding)', () => {
  it('accepts loopback names and addresses with or without a port', () => {
    for (const h of ['127.0.0.1:7860', '127.1.2.3', 'localhost:1', 'LOCALHOST', '[::1]:80', '[::1]']) expect(hostAllowed(h, '127.0.0.1'), h).toBe(true);
  });

  it('refuses any other name on a loopback bind, and malformed headers', () => {
    for (const h of [undefined, '', 'evil.example', 'evil.example:7860', '127.0.0.1.evil.example', 'localhost.evil.example', '10.0.0.5:80', '[::1', 'a b', 'user@127.0.0.1']) {
      expect(hostAllowed(h, '127.0.0.1'), String(h)).toBe(false);
    }
    fc.assert(
      fc.property(fc.domain(), (d) => {
        fc.pre(d !== 'localhost');
        expect(hostAllowed(`${d}:7860`, '127.0.0.1')).toBe(false);
      }),
    );
  });

  it('accepts the bound address, and any IP literal (never a name) on a wildcard bind', () => {
    expect(hostAllowed('192.168.1.20:7860', '192.168.1.20')).toBe(true);
    expect(hostAllowed('192.168.1.21:7860', '192.168.1.20')).toBe(false);
    expect(hostAllowed('192.168.1.21:7860', '0.0.0.0')).toBe(true);
    expect(hostAllowed('[fe80::1]:7860', '::')).toBe(true);
    expect(hostAllowed('my-box:7860', '0.0.0.0')).toBe(false);
  });

  it('parses the name out of a Host header', () => {
    expect(hostHeaderName('[::1]:80')).toBe('::1');
    expect(hostHeaderName('Example.COM:8080')).toBe('example.com');
    expect(hostHeaderName('a:b:c')).toBeNull();
  });
});

describe('Origin check', () => {
  it('allows no Origin (non-browser clients) and pages of this host:port only', () => {
    expect(originAllowed(undefined, '127.0.0.1', 8080)).toBe(true);
    expect(originAllowed('http://127.0.0.1:8080', '127.0.0.1', 8080)).toBe(true);
    expect(originAllowed('http://localhost:8080', '127.0.0.1', 8080)).toBe(true);
    for (const o of ['http://127.0.0.1:8081', 'https://evil.example', 'http://evil.example:8080', 'null', 'file://', 'chrome-extension://abc']) {
      expect(originAllowed(o, '127.0.0.1', 8080), o).toBe(false);
    }
  });
});
