/** A person's activity and their ban: who may pass, and who is stopped for how long. */
import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ActiveUsersRepository } from './active-users.repository.js';
import type { Admission, Ban, SessionAdmission } from './ban.js';

export interface BanInput {
  email: string;
  bannedBy: string;
  reason?: string;
}

@Injectable()
export class ActiveUsersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ActiveUsersRepository,
  ) {}

  /** Checks the ban and the token's allowlist record, and records the activity. Throws on Redis failure. */
  admitToken(email: string, tokenId: string, tokenName: string): Promise<Admission> {
    return this.repository.admitToken(email, tokenId, tokenName, Date.now(), this.config.activeUserTtlSeconds);
  }

  /** Checks the ban of a signed-in browser user and records the activity (method oauth2). Throws on Redis failure. */
  admitSession(email: string): Promise<SessionAdmission> {
    return this.repository.admitSession(email, Date.now(), this.config.activeUserTtlSeconds);
  }

  /** Bans a user for BAN_TTL_SECONDS (renewing a running ban). The user need never have been seen. */
  async ban(input: BanInput): Promise<Ban> {
    const email = requireEmail(input.email);
    const now = Date.now();
    const ban: Ban = {
      email,
      bannedAt: now,
      until: now + this.config.banTtlSeconds * 1000,
      bannedBy: input.bannedBy,
      reason: (input.reason ?? '').slice(0, 500),
    };
    await this.repository.setBan(ban);
    return ban;
  }

  /** Lifts a ban; false when the user was not banned. */
  unban(email: string): Promise<boolean> {
    return this.repository.deleteBan(requireEmail(email));
  }

  findBan(email: string): Promise<Ban | null> {
    return this.repository.findBan(requireEmail(email));
  }
}

function requireEmail(input: string): string {
  const email = canonicalEmail(input);
  if (email === null) throw new InvalidInputError('email must be a plain email address');
  return email;
}
