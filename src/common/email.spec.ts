import { describe, expect, it } from '@jest/globals';
import { canonicalEmail, emailDomain } from './email.js';

describe('canonicalEmail', () => {
  it('trims, lower-cases and NFKC-normalises', () => {
    expect(canonicalEmail('  Alice@Example.COM ')).toBe('alice@example.com');
    // Fullwidth letters fold to ASCII under NFKC.
    expect(canonicalEmail('ａｌｉｃｅ@example.com')).toBe('alice@example.com');
  });

  it.each([
    ['two @', 'a@b@example.com'],
    ['braces', 'a{x}@example.com'],
    ['closing brace', 'a}@example.com'],
    ['control character', 'a\u0000b@example.com'],
    ['newline', 'a\nb@example.com'],
    ['space inside', 'a b@example.com'],
    ['no domain dot', 'a@localhost'],
    ['empty local part', '@example.com'],
    ['leading dot', '.a@example.com'],
    ['double dot', 'a..b@example.com'],
    ['quotes', '"a"@example.com'],
    ['glob characters in domain', 'a@exa*mple.com'],
    ['not a string', 42],
    ['too long', `${'a'.repeat(64)}@${'b'.repeat(190)}.com`],
  ])('rejects %s', (_label, input) => {
    expect(canonicalEmail(input)).toBeNull();
  });

  it('keeps plus addressing and dots', () => {
    expect(canonicalEmail('first.last+tag@sub.example.org')).toBe('first.last+tag@sub.example.org');
  });

  it('gives the domain', () => {
    expect(emailDomain('a@sub.example.org')).toBe('sub.example.org');
  });
});
