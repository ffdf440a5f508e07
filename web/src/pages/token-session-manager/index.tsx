import { mount, Shell } from '../../ui/shell.js';
import { Dashboard } from './dashboard.js';

mount(
  <Shell page="token-session-manager" audience="admin">
    {(me) => <Dashboard me={me} />}
  </Shell>,
);
