// Every message the SDK produces, in one place, as compact constants (the std library's util/error.ts
// habit): each one is a static string in the data segment, not code that builds it.

// msgpack decoding: the reader appends " at byte N".
export const E_TRUNCATED = "truncated input";
export const E_TRAILING = "trailing bytes";
export const E_TOO_DEEP = "values nested too deeply";
export const E_BAD_UTF8 = "invalid UTF-8 in string";
export const E_NOT_INT = "expected an integer";
export const E_INT_RANGE = "integer out of range";
export const E_NOT_STR = "expected a string";
export const E_NOT_BOOL = "expected a boolean";
export const E_NOT_NIL = "expected nil";
export const E_NOT_FLOAT = "expected a number";
export const E_NOT_ARRAY = "expected an array";
export const E_NOT_MAP = "expected a map";
export const E_RESERVED = "reserved type byte 0xc1";

// Why a user ID is malformed (guest-sdk/userid.ts).
export const REASON_LENGTH = "longer than 255 bytes of UTF-8";
export const REASON_SIGIL = "must start with @";
export const REASON_COLON = "missing ':' before the server name";
export const REASON_EMPTY_LOCALPART = "the localpart is empty";
export const REASON_NUL = "holds U+0000 (NUL)";
export const REASON_SURROGATE = "holds a lone UTF-16 surrogate";
export const REASON_SERVER = "invalid server name";

// Config (the accessor prefixes the key: "<key>: expected ...").
export const E_CFG_NOT_MAP = "config: expected a map";
export const E_CFG_KEY_NOT_STR = "config: keys must be strings";
export const E_CFG_MSGPACK = "config: invalid msgpack: ";
export const E_CFG_UNKNOWN_KEY = "unknown key ";
export const E_CFG_USER_IDS = ": expected a list of user IDs";
export const E_CFG_STRINGS = ": expected a list of strings";
export const E_CFG_SERVER_NAMES = ": expected a list of server names";
export const E_CFG_STRING = ": expected a string";
export const E_CFG_BOOL = ": expected true or false";
export const E_CFG_USER_ID_MAP = ": expected a map from names to lists of user IDs";
export const E_CFG_NOT_USER_ID = " is not a valid user ID";
export const E_CFG_NOT_SERVER_NAME = " is not a valid server name";

// Contract breaches by the host (trap) or by the module's own code (trap, with the module at fault).
export const E_NO_ROUTER = "no router registered: call registerRouter(...) at the top level of the module";
export const E_BAD_INPUT = "callback input is not the buffer presence_alloc returned last";
export const E_NOT_INITIALISED = "callback before a successful presence_init";
export const E_BAD_BATCH = "presence_users_for_states: malformed batch: ";
export const E_STATE_ARITY = "expected a state array of "; // "<n> elements"
export const E_STATE_VALUE = "unknown presence state";
export const E_STATE_USER = "malformed user ID";
export const E_STATE_TS = "timestamp outside 0..2^53";
export const E_STATE_MSG = "expected a string or nil status_msg";
export const E_BAD_USER = "presence_interested_users: malformed user ID: ";
export const E_FOREIGN_STATE = "router routed a state that is not from this batch";
export const E_BAD_SEND = "sendLocalOnlinePresenceTo: malformed user ID: ";
export const E_UNDECLARED_FIELD = "router read ";
export const E_UNDECLARED_FIX = ", a field the module does not declare in presence_fields: add ";
export const E_NO_ROUTE = "router implements neither getUsersForBatch nor getUsersForStates";
export const E_STATE_NOT_GLOBAL =
  " (if the module exports presence_fields, declare it @global export const so that the SDK sees it)";
export const E_STATE_FIELDS = " (the fields the module declares in presence_fields) or of 7 (a full state)";
export const E_BATCH_INDEX = "batch index out of range";
