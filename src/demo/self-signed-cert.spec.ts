import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { createSelfSignedCert } from './self-signed-cert.js';

describe('createSelfSignedCert', () => {
  const { certPem, keyPem } = createSelfSignedCert({ ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], days: 2 });
  const cert = new X509Certificate(certPem);

  it('makes a certificate for 127.0.0.1 and localhost', () => {
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('example.com')).toBeUndefined();
  });

  it('is self-signed by the key it comes with, and usable as its own trust anchor', () => {
    expect(cert.verify(createPublicKey(createPrivateKey(keyPem)))).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.ca).toBe(true);
  });

  it('is valid from an hour ago for the given number of days', () => {
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    expect(from).toBeLessThan(Date.now());
    expect(from).toBeGreaterThan(Date.now() - 2 * 3600_000);
    expect(to - Date.now()).toBeGreaterThan(2 * 86400_000 - 60_000);
    expect(to - Date.now()).toBeLessThan(2 * 86400_000 + 60_000);
  });

  it('gives every certificate its own key and serial number', () => {
    const other = new X509Certificate(createSelfSignedCert().certPem);
    expect(other.serialNumber).not.toBe(cert.serialNumber);
    expect(other.publicKey.export({ format: 'der', type: 'spki' }).equals(cert.publicKey.export({ format: 'der', type: 'spki' }))).toBe(
      false,
    );
  });

  it.each([
    ['leading zero bytes', '0000127f', '127F'],
    ['a top bit set', '80ff', '80FF'],
    ['zero bytes before a top bit', '0000ab', 'AB'],
  ])('encodes a serial number with %s as DER allows', (_what, hex, shown) => {
    const made = new X509Certificate(createSelfSignedCert({ serial: Buffer.from(hex, 'hex') }).certPem);
    expect(made.serialNumber.replace(/^00/, '')).toBe(shown);
  });
});
