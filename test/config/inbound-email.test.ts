/** The inbound email settings (VIGIL_EMAIL_DOMAIN, VIGIL_SMTP_LISTEN, VIGIL_SMTP_MAX_BYTES, VIGIL_SMTP_TLS_*): defaults and refusals at start-up. */
import { describe, expect, it } from 'vitest';
import { loadConfig, parseListen } from '../../src/server/config/config.js';

describe('inbound email configuration', () => {
  it('defaults: the public host as domain, no listener, 10 MiB', () => {
    const c = loadConfig({ VIGIL_PUBLIC_URL: 'https://Vigil.Example.org' });
    expect(c.inboundEmail).toEqual({ domain: 'vigil.example.org', listen: null, maxBytes: 10 * 1024 * 1024, tls: null });
  });

  it('reads the listener, the domain, the limit and the certificate', () => {
    const c = loadConfig({ VIGIL_EMAIL_DOMAIN: 'alerts.example.org', VIGIL_SMTP_LISTEN: '127.0.0.1:2525', VIGIL_SMTP_MAX_BYTES: '1048576', VIGIL_SMTP_TLS_CERT: '/c.pem', VIGIL_SMTP_TLS_KEY: '/k.pem' });
    expect(c.inboundEmail).toEqual({ domain: 'alerts.example.org', listen: { host: '127.0.0.1', port: 2525 }, maxBytes: 1048576, tls: { certFile: '/c.pem', keyFile: '/k.pem' } });
    expect(parseListen('2525')).toEqual({ host: '0.0.0.0', port: 2525 });
    expect(parseListen(':25')).toEqual({ host: '0.0.0.0', port: 25 });
    expect(parseListen('[::1]:2525')).toEqual({ host: '::1', port: 2525 });
  });

  it('refuses what it cannot use, naming the variable', () => {
    expect(() => loadConfig({ VIGIL_SMTP_LISTEN: 'localhost:smtp' })).toThrow(/VIGIL_SMTP_LISTEN/);
    expect(() => loadConfig({ VIGIL_SMTP_LISTEN: '0.0.0.0:99999' })).toThrow(/VIGIL_SMTP_LISTEN/);
    expect(() => loadConfig({ VIGIL_SMTP_TLS_CERT: '/c.pem' })).toThrow(/VIGIL_SMTP_TLS_CERT and VIGIL_SMTP_TLS_KEY/);
    expect(() => loadConfig({ VIGIL_EMAIL_DOMAIN: 'not a domain' })).toThrow(/VIGIL_EMAIL_DOMAIN/);
    expect(() => loadConfig({ VIGIL_SMTP_MAX_BYTES: '10' })).toThrow(/VIGIL_SMTP_MAX_BYTES/);
  });
});
