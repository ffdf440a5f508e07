/**
 * The demo's people, defined once: a plain user, an admin and the super admin, so every page can
 * be tried. The demo's identity provider offers them on its sign-in page, the demo makes the
 * admin and the super admin what they are (ADMIN_EMAILS, SUPER_ADMIN_EMAIL) and prints them.
 */
import type { DemoOidcUser } from './demo-oidc-provider.js';

export type DemoRole = 'user' | 'admin' | 'super_admin';

export interface DemoPerson extends DemoOidcUser {
  readonly role: DemoRole;
  /** What the sign-in page and the demo's output call them. */
  readonly label: string;
}

const PASSWORD = 'demo-password';

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { role: 'user', label: 'plain user', email: 'user@example.com', password: PASSWORD, name: 'Demo User', emailVerified: true },
  { role: 'admin', label: 'admin', email: 'admin@example.com', password: PASSWORD, name: 'Demo Admin', emailVerified: true },
  {
    role: 'super_admin',
    label: 'super admin',
    email: 'root@example.com',
    password: PASSWORD,
    name: 'Demo Super Admin',
    emailVerified: true,
  },
];

export function demoPerson(role: DemoRole): DemoPerson {
  const person = DEMO_PEOPLE.find((p) => p.role === role);
  if (person === undefined) throw new Error(`no demo person with the role ${role}`);
  return person;
}

/** The gateway variables that give the demo's people their roles. */
export function demoRoleEnv(): { ADMIN_EMAILS: string; SUPER_ADMIN_EMAIL: string } {
  return { ADMIN_EMAILS: demoPerson('admin').email, SUPER_ADMIN_EMAIL: demoPerson('super_admin').email };
}
