import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { AdminsService } from '../admins/admins.service.js';
import { APP_CONFIG } from '../config/app-config.js';
import { loadConfig } from '../config/load-config.js';
import { TokenCodec, tokenCodecOf } from './token-codec.js';
import { TokenRepository } from './token.repository.js';
import { TokensService } from './tokens.service.js';

/** A repository that accepts every record: these specs are about what the service mints. */
const acceptingRepository = { create: () => Promise.resolve(true) };

const config = loadConfig({ JWT_SECRET: 'unit-test-secret-that-is-long-enough-for-hs256' });
const codec = tokenCodecOf(config);

async function makeSut(): Promise<TokensService> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      TokensService,
      { provide: APP_CONFIG, useValue: config },
      { provide: TokenCodec, useValue: codec },
      TokenRepository,
      { provide: AdminsService, useValue: {} },
    ],
  })
    .overrideProvider(TokenRepository)
    .useValue(acceptingRepository)
    .compile();
  return moduleRef.get(TokensService);
}

describe('TokensService.create', () => {
  it('mints token ids that can never be mistaken for a command-line flag', async () => {
    const sut = await makeSut();
    const ids = await Promise.all(Array.from({ length: 300 }, () => sut.create({ email: 'a@example.com', createdVia: 'cli' })));
    for (const { record } of ids) expect(record.tokenId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids.map((t) => t.record.tokenId)).size).toBe(300);
  });

  it('signs a token its own codec accepts, with the canonical email and the llm scope', async () => {
    const sut = await makeSut();
    const { token, record } = await sut.create({ email: ' Bob@Example.com ', name: 'laptop', lifetimeSeconds: 7200, createdVia: 'cli' });
    expect(codec.verify(token)).toMatchObject({
      sub: 'bob@example.com',
      email: 'bob@example.com',
      jti: record.tokenId,
      name: 'laptop',
      scope: 'llm',
    });
    expect(record.expiresAt - record.createdAt).toBe(7200_000);
  });

  it.each([
    ['below an hour', 3599],
    ['above TOKEN_MAX_DAYS', 90 * 86400 + 1],
    ['not whole seconds', 3600.5],
  ])('refuses a lifetime %s', async (_label, lifetimeSeconds) => {
    const sut = await makeSut();
    await expect(sut.create({ email: 'a@example.com', lifetimeSeconds, createdVia: 'cli' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it.each([['<b>markup</b>'], ['Ünïcødé 🙂'], ['a'.repeat(64)], ['quotes " and \' and &']])(
    'takes %s as a token name, as it is',
    async (name) => {
      const sut = await makeSut();
      expect((await sut.create({ email: 'a@example.com', name, createdVia: 'cli' })).record.name).toBe(name);
    },
  );

  it.each([
    ['a line break', 'a\nb'],
    ['a bidi override', 'abc\u202Eexe.txt'],
    ['a zero-width joiner', 'a\u200Db'],
    ['65 characters', 'a'.repeat(65)],
    ['only spaces', '   '],
  ])('refuses a token name with %s', async (_label, name) => {
    const sut = await makeSut();
    await expect(sut.create({ email: 'a@example.com', name, createdVia: 'cli' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
