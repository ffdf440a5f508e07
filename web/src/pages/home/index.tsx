import { mount, Shell } from '../../ui/shell.js';
import { Home, SignedOut } from './home.js';

mount(
  <Shell page="home" audience="anyone" signedOut={() => <SignedOut />}>
    {(me) => <Home me={me} />}
  </Shell>,
);
