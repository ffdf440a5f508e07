/**
 * A throw-away TLS certificate for local HTTPS servers (the demo and test OpenID providers),
 * made in-process with node:crypto: a P-256 key and a minimal self-signed X.509 v3 certificate
 * whose subjectAltName covers 127.0.0.1 and localhost. No openssl binary needed.
 */
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

export interface SelfSignedCert {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface SelfSignedCertOptions {
  commonName?: string;
  ipAddresses?: readonly string[];
  dnsNames?: readonly string[];
  /** Validity from one hour ago to this many days ahead (default 7). */
  days?: number;
  /** The serial number's bytes, read as an unsigned number (default: 16 random bytes). */
  serial?: Buffer;
}

export function createSelfSignedCert(options: SelfSignedCertOptions = {}): SelfSignedCert {
  const commonName = options.commonName ?? 'llm-gateway local OpenID provider';
  const ipAddresses = options.ipAddresses ?? ['127.0.0.1'];
  const dnsNames = options.dnsNames ?? ['localhost'];
  const days = options.days ?? 7;

  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), utf8(commonName))));
  const now = Date.now();
  const validity = seq(time(new Date(now - 3600_000)), time(new Date(now + days * 86400_000)));

  const altNames = [
    ...ipAddresses.map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number)))),
    ...dnsNames.map((dns) => tlv(0x82, Buffer.from(dns, 'ascii'))),
  ];
  const extensions = explicit(
    3,
    seq(
      extension('2.5.29.19', true, seq(bool(true))), // basicConstraints: CA (it is its own trust anchor)
      extension('2.5.29.15', true, bitString(Buffer.from([0x84]), 2)), // keyUsage: digitalSignature, keyCertSign
      extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
      extension('2.5.29.17', false, seq(...altNames)), // subjectAltName
    ),
  );

  const serial = options.serial ?? randomBytes(16);
  const tbs = seq(explicit(0, integer(Buffer.from([2]))), integer(serial), ecdsaWithSha256, name, validity, name, spki, extensions);
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = seq(tbs, ecdsaWithSha256, bitString(signature, 0));

  const certPem = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Parse it back: a malformed encoding fails here, not in a TLS handshake later.
  if (!new X509Certificate(certPem).verify(publicKey)) throw new Error('self-signed certificate does not verify');
  return { certPem, keyPem };
}

// ---- the few DER encodings an X.509 certificate needs ----

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else if (n < 0x100) length = Buffer.from([0x81, n]);
  else if (n < 0x10000) length = Buffer.from([0x82, n >> 8, n & 0xff]);
  else throw new Error('DER element too long');
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function explicit(tagNumber: number, content: Buffer): Buffer {
  return tlv(0xa0 | tagNumber, content);
}

/**
 * A non-negative INTEGER from unsigned big-endian bytes, in DER's one encoding: no leading zero byte
 * unless the next byte's top bit is set (else it would read as negative). A random serial starts with
 * zero bytes now and then; kept as they were, they made an encoding parsers refuse ("illegal padding").
 */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return tlv(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function bool(value: boolean): Buffer {
  return tlv(0x01, Buffer.from([value ? 0xff : 0]));
}

function bitString(bytes: Buffer, unusedBits: number): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

function octetString(bytes: Buffer): Buffer {
  return tlv(0x04, bytes);
}

function utf8(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let v = part >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value));
}
