/** Admin rules against a real redis-server: who is an admin, who may be removed, who may act on whom. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AdminsModule } from '../../src/admins/admins.module.js';
import { AdminsService } from '../../src/admins/admins.service.js';
import { startServiceModule, type ServiceModule } from '../support/service-module.js';

describe('AdminsService (against Redis)', () => {
  let m: ServiceModule;
  let sut: AdminsService;

  beforeAll(async () => {
    m = await startServiceModule([AdminsModule], {
      SUPER_ADMIN_EMAIL: 'root@example.com',
      ADMIN_EMAILS: 'env@example.com',
      ADMIN_DOMAINS: 'ops.example.com',
    });
    sut = m.get(AdminsService);
  });
  afterAll(async () => {
    await m?.close();
  });

  it('counts the super admin, ADMIN_EMAILS, ADMIN_DOMAINS and run-time admins as admins, nobody else', async () => {
    await sut.add('Runtime@Example.com', 'root@example.com');
    for (const email of ['root@example.com', 'env@example.com', 'anyone@ops.example.com', 'runtime@example.com'])
      expect([email, await sut.isAdmin(email)]).toEqual([email, true]);
    for (const email of ['user@example.com', 'user@sub.ops.example.com']) expect([email, await sut.isAdmin(email)]).toEqual([email, false]);
  });

  it('removes a run-time admin, refuses environment admins and knows no stranger', async () => {
    await sut.add('temp@example.com', 'root@example.com');
    await expect(sut.remove('temp@example.com')).resolves.toBe('temp@example.com');
    expect(await sut.isAdmin('temp@example.com')).toBe(false);
    await expect(sut.remove('env@example.com')).rejects.toMatchObject({ code: 'admin_not_removable' });
    await expect(sut.remove('someone@ops.example.com')).rejects.toMatchObject({ code: 'admin_not_removable' });
    await expect(sut.remove('stranger@example.com')).rejects.toThrow('is not a run-time admin');
    await expect(sut.add('env@example.com', 'root@example.com')).rejects.toMatchObject({ code: 'admin_from_environment' });
  });

  it('lets nobody act on the super admin, only the super admin act on an admin, and any admin act on a user', async () => {
    await expect(sut.assertMayActOn('env@example.com', 'root@example.com')).rejects.toMatchObject({ code: 'target_is_super_admin' });
    await expect(sut.assertMayActOn('env@example.com', 'anyone@ops.example.com')).rejects.toMatchObject({ code: 'target_is_admin' });
    await expect(sut.assertMayActOn('root@example.com', 'env@example.com')).resolves.toBeUndefined();
    await expect(sut.assertMayActOn('env@example.com', 'user@example.com')).resolves.toBeUndefined();
  });
});
