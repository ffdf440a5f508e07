import { mount, Shell } from '../../ui/shell.js';
import { AdminManager } from './admin-manager.js';

mount(
  <Shell page="admin-manager" audience="super_admin">
    {(me) => <AdminManager me={me} />}
  </Shell>,
);
