import { describe, expect, it } from '@jest/globals';
import { safeReturnTo } from './return-to.js';

describe('safeReturnTo', () => {
  it.each([
    ['/api/me', '/api/me'],
    ['/docs?x=1&y=two', '/docs?x=1&y=two'],
    ['/a/b/../c', '/a/c'],
    ['/%E2%9C%93', '/%E2%9C%93'],
    ['/token-session-manager#cleanup', '/token-session-manager#cleanup'],
    ['/token-session-manager?x=1#//evil.example', '/token-session-manager?x=1#//evil.example'],
  ])('keeps the same-origin path %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    ['an absolute URL', 'https://evil.example/'],
    ['a scheme-relative URL', '//evil.example/x'],
    ['a backslash host', '/\\evil.example'],
    ['backslashes only', '\\\\evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,hi'],
    ['an encoded double slash', '/%2F%2Fevil.example'],
    ['an encoded slash after the root', '/%2fevil.example'],
    ['an encoded backslash', '/%5Cevil.example'],
    ['a tab inside', '/\t/evil.example'],
    ['a newline inside', '/x\nLocation: https://evil.example'],
    ['a leading space', ' /api/me'],
    ['a relative path', 'api/me'],
    ['the logout route', '/auth/logout'],
    ['the login route', '/auth/login?returnTo=/x'],
    ['the logout route in capitals', '/AUTH/logout'],
    ['the logout route in mixed case', '/Auth/Logout'],
    ['the logout route percent-encoded', '/%61uth/logout'],
    ['the auth root in capitals', '/AUTH'],
    ['a malformed escape', '/%E0%A4%A'],
    ['nothing', ''],
    ['an array', ['/a', '/b']],
    ['undefined', undefined],
    ['something very long', `/${'a'.repeat(3000)}`],
    ['an @ userinfo trick', '//user@evil.example'],
    ['triple slash', '///evil.example'],
    ['a dot-dot segment that collapses into //host', '/..//evil.example/'],
    ['an encoded dot-dot segment that collapses into //host', '/%2e%2e//evil.example'],
    ['a dot segment that collapses into //host', '/.//evil.example'],
    ['a deeper dot-dot segment that collapses into //host', '/a/..//evil.example'],
  ])('sends %s to /', (_label, input) => {
    expect(safeReturnTo(input)).toBe('/');
  });
});
