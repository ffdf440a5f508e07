// Loaded with `node --import`: any import of a module that serves only the demo and the tests
// (oidc-provider, a devDependency left out of the production image) fails the process at once.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
const FORBIDDEN = new Set(['oidc-provider']);
export async function resolve(specifier, context, next) {
  if (FORBIDDEN.has(specifier)) throw new Error('the production entry point imported ' + specifier + ', a devDependency');
  return next(specifier, context);
}
`),
);
