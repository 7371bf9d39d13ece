/** An error in how the command was called (a flag, an environment variable): exit 2 with the message. */
export class UsageError extends Error {}
