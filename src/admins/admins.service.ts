/** Who is an admin: ADMIN_EMAILS, ADMIN_DOMAINS and SUPER_ADMIN_EMAIL (run-time admins: see the admin API issue). */
import { Inject, Injectable } from '@nestjs/common';
import { emailDomain } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

@Injectable()
export class AdminsService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** True for a canonical email that is an admin now. */
  async isAdmin(email: string): Promise<boolean> {
    const { emails, domains, superAdminEmail } = this.config.admins;
    return email === superAdminEmail || emails.includes(email) || domains.includes(emailDomain(email));
  }

  isSuperAdmin(email: string): boolean {
    return email === this.config.admins.superAdminEmail;
  }
}
