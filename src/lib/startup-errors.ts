// Turns what goes wrong at start-up into one line a newcomer can act on, instead of a stack trace.
interface ErrorLike {
  code?: string;
  message?: string;
  errno?: number;
  address?: string;
  port?: number;
  hostname?: string;
  path?: string;
}

export function describeStartupError(
  error: unknown,
  context: { port?: number; dataDir?: string } = {},
): string {
  const e = (typeof error === "object" && error !== null ? error : {}) as ErrorLike;
  const message = e.message ?? String(error);
  switch (e.code) {
    case "EADDRINUSE":
      return `port ${context.port ?? e.port} is already in use: stop the other server or set PORT to a free port`;
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return e.path || context.dataDir
        ? `cannot write to the data folder ${e.path ?? context.dataDir}: make it writable or set DATA_DIR to a folder you own`
        : `permission denied: ${message}`;
    case "ENOTDIR":
    case "ENOENT":
      return `the data folder ${context.dataDir ?? e.path ?? ""} cannot be created (${e.code} at ${e.path ?? "?"}): set DATA_DIR to a folder you can write`;
    case "ECONNREFUSED":
      return `the PostgreSQL server in DATABASE_URL refused the connection (${e.address ?? ""}:${e.port ?? ""}): is it running?`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the host in DATABASE_URL (${e.hostname ?? "?"}) cannot be found: check the spelling`;
    case "ETIMEDOUT":
    case "CONNECT_TIMEOUT":
      return "the PostgreSQL server in DATABASE_URL did not answer in time: check the host, port and firewall";
    case "28P01":
      return "PostgreSQL rejected the password in DATABASE_URL";
    case "28000":
      return `PostgreSQL rejected the user in DATABASE_URL: ${message}`;
    case "3D000":
      return `the database named in DATABASE_URL does not exist: ${message}`;
    default:
      return message.split("\n")[0] ?? "unknown error";
  }
}
