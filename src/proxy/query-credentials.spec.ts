import { describe, expect, it } from '@jest/globals';
import { withoutCredentialParams } from './query-credentials.js';

describe('withoutCredentialParams', () => {
  it('leaves targets without credential parameters exactly as they are', () => {
    expect(withoutCredentialParams('/v1/models')).toBe('/v1/models');
    expect(withoutCredentialParams('/v1/models?limit=5&after=a%2Bb&keyword=x')).toBe('/v1/models?limit=5&after=a%2Bb&keyword=x');
  });

  it('drops credential parameters in any case, spelling or encoding, and keeps the rest in order', () => {
    expect(withoutCredentialParams('/v1/models?key=k&limit=5')).toBe('/v1/models?limit=5');
    expect(withoutCredentialParams('/v1/models?a=1&API_KEY=k&b=2&Api-Key=k&access_token=t&TOKEN=t')).toBe('/v1/models?a=1&b=2');
    expect(withoutCredentialParams('/v1/models?api%5Fkey=k&x-api-key=k&apikey&c=3')).toBe('/v1/models?c=3');
    expect(withoutCredentialParams('/v1/models?key=k')).toBe('/v1/models');
  });
});
