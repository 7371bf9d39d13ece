/**
 * The Matrix user ID grammar (docs/abi.md "User IDs") as plain regular expressions: the independent
 * oracle that both the host's and the guest SDK's hand-written checks are held to, and strings that
 * probe its edges.
 */
import fc from 'fast-check';

const SERVER = /^(?:[A-Za-z0-9.-]{1,255}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;
const USER_ID = /^@[\x21-\x39\x3b-\x7e]+:(.*)$/s;

export const isUserIdByGrammar = (id: string): boolean =>
  id.length <= 255 && USER_ID.test(id) && SERVER.test(id.slice(id.indexOf(':') + 1));

const edgeChar = fc.constantFrom(...'@:[]ab.-09xZ_ é\u007f!'.split(''));

/** Strings near the grammar's edges: mostly almost-user-IDs, some arbitrary. */
export const userIdCandidate: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: edgeChar, maxLength: 16 }),
  fc.tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 6 }), fc.string({ unit: edgeChar, maxLength: 10 }))
    .map(([l, s]) => `@${l}:${s}`),
);
