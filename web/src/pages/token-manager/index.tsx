import { mount, Shell } from '../../ui/shell.js';
import { TokenManager } from './token-manager.js';

mount(
  <Shell page="token-manager" audience="signed-in">
    {(me) => <TokenManager me={me} />}
  </Shell>,
);
