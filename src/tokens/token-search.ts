/**
 * How a token is filed in keys.tokensByTerm(): under its owner's email and under its name, so a
 * prefix of either finds it. One function, used where tokens are created and where the cleanup
 * removes their entries.
 */
import { indexTerm } from '../common/list-cursor.js';
import { lexMember } from '../redis/lex-index.js';

export function tokenSearchMembers(email: string, name: string, tokenId: string): [owner: string, name: string] {
  return [lexMember(email, tokenId), lexMember(indexTerm(name), tokenId)];
}
