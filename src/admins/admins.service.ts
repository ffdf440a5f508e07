/**
 * Who is an admin: ADMIN_EMAILS, ADMIN_DOMAINS and SUPER_ADMIN_EMAIL from the environment, plus
 * admins a super admin adds at run time (kept in Redis). Environment admins cannot be removed here.
 */
import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/domain-errors.js';
import { canonicalEmail, emailDomain } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AdminsRepository } from './admins.repository.js';

export type AdminSource = 'super_admin' | 'env' | 'runtime';

export interface AdminEntry {
  readonly email: string;
  readonly source: AdminSource;
  readonly removable: boolean;
  readonly addedBy: string | null;
  readonly addedAt: number | null;
}

export interface AdminList {
  readonly admins: AdminEntry[];
  /** ADMIN_DOMAINS: everyone at these domains is an admin. */
  readonly domains: readonly string[];
}

@Injectable()
export class AdminsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: AdminsRepository,
  ) {}

  /** True for a canonical email that is an admin now. Throws when Redis is needed and unreachable. */
  async isAdmin(email: string): Promise<boolean> {
    if (this.isEnvAdmin(email)) return true;
    return this.repository.exists(email);
  }

  isSuperAdmin(email: string): boolean {
    return email === this.config.admins.superAdminEmail;
  }

  /**
   * The admin hierarchy, for an admin acting on another person's access over REST (a ban, revoking
   * their tokens, ending their sessions): nobody acts on the super admin, and only the super admin
   * acts on an admin (from the environment, ADMIN_DOMAINS or added at run time). Acting on oneself
   * is left to the action's own rules. The operator's CLI is root on the host and not held to it.
   */
  async assertMayActOn(actor: string, target: string): Promise<void> {
    if (actor === target) return;
    if (this.isSuperAdmin(target)) {
      throw new ForbiddenError('Nobody may ban the super admin or revoke their tokens or sessions', 'target_is_super_admin');
    }
    if (this.isSuperAdmin(actor)) return;
    if (await this.isAdmin(target)) {
      throw new ForbiddenError(
        `${target} is an admin: only the super admin may ban them or revoke their tokens or sessions`,
        'target_is_admin',
      );
    }
  }

  /** An admin by the environment alone (no Redis needed). */
  isEnvAdmin(email: string): boolean {
    const { emails, domains, superAdminEmail } = this.config.admins;
    return email === superAdminEmail || emails.includes(email) || domains.includes(emailDomain(email));
  }

  async list(): Promise<AdminList> {
    const { emails, domains, superAdminEmail } = this.config.admins;
    const admins: AdminEntry[] = [];
    const listed = new Set<string>();
    const push = (entry: AdminEntry): void => {
      if (listed.has(entry.email)) return;
      listed.add(entry.email);
      admins.push(entry);
    };
    if (superAdminEmail !== undefined) {
      push({ email: superAdminEmail, source: 'super_admin', removable: false, addedBy: null, addedAt: null });
    }
    for (const email of emails) push({ email, source: 'env', removable: false, addedBy: null, addedAt: null });
    const runtime = (await this.repository.list()).sort((a, b) => a.addedAt - b.addedAt || (a.email < b.email ? -1 : 1));
    for (const admin of runtime) {
      push({ email: admin.email, source: 'runtime', removable: true, addedBy: admin.addedBy, addedAt: admin.addedAt });
    }
    return { admins, domains };
  }

  /** Adds a run-time admin. Adding one who is already an admin through the environment is a conflict. */
  async add(input: string, addedBy: string): Promise<AdminEntry> {
    const email = requireEmail(input);
    if (this.isEnvAdmin(email)) {
      throw new ConflictError(`${email} is already an admin through the environment`, 'admin_from_environment');
    }
    await this.repository.add({ email, addedBy, addedAt: Date.now() });
    const stored = await this.repository.find(email);
    return {
      email,
      source: 'runtime',
      removable: true,
      addedBy: stored?.addedBy ?? addedBy,
      addedAt: stored?.addedAt ?? Date.now(),
    };
  }

  /** Removes a run-time admin (returns the canonical email); environment admins are refused, unknown ones are not found. */
  async remove(input: string): Promise<string> {
    const email = requireEmail(input);
    const { emails, superAdminEmail } = this.config.admins;
    if (email === superAdminEmail || emails.includes(email)) {
      throw new ConflictError(
        `${email} is an admin through SUPER_ADMIN_EMAIL or ADMIN_EMAILS and cannot be removed here; change the environment`,
        'admin_not_removable',
      );
    }
    if (!(await this.repository.remove(email))) {
      if (this.isEnvAdmin(email)) {
        throw new ConflictError(`${email} is an admin through ADMIN_DOMAINS and cannot be removed here`, 'admin_not_removable');
      }
      throw new NotFoundError(`${email} is not a run-time admin`);
    }
    return email;
  }
}

function requireEmail(input: string): string {
  const email = canonicalEmail(input);
  if (email === null) throw new InvalidInputError('email must be a plain email address');
  return email;
}
