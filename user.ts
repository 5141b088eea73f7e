/**
 * Manage Vigil's users from the command line (works while the server runs):
 *
 *     deno task user list                     [--data DIR]
 *     deno task user add NAME [--role viewer|admin] [--data DIR]
 *     deno task user passwd NAME              [--data DIR]
 *     deno task user role NAME viewer|admin   [--data DIR]
 *     deno task user remove NAME              [--data DIR]
 *
 * Passwords are never taken from the command line (they would land in shell history and `ps`):
 * they are read from the terminal without echo (asked twice), or as the first line of stdin when
 * it is not a terminal (`printf '%s\n' "$PW" | deno task user add alice`).
 * The data folder defaults to $VIGIL_DATA, else ./frames (the users live in DIR/vigil.db). A folder
 * without vigil.db is refused (exit 2) rather than given an empty database: start Vigil once
 * with that `--data` first.
 */
import { join } from "node:path";
import { Auth, AuthInputError, type Role, validateRole } from "./lib/auth/mod.ts";
import { parseCliArgs } from "./lib/cli_args.ts";

export interface CliIO {
  /** Reads one password (no echo on a terminal). */
  readPassword(prompt: string, confirm: boolean): Promise<string>;
  out(line: string): void;
  err(line: string): void;
  env(name: string): string | undefined;
}

const USAGE = `Usage: deno task user <command> [--data DIR]
  list                       list users and roles
  add NAME [--role ROLE]     add a user (ROLE: viewer (default) or admin); password from stdin/prompt
  passwd NAME                set a new password (ends that user's sessions)
  role NAME ROLE             change a user's role
  remove NAME                remove a user (and end their sessions)
Options: --data DIR  data folder holding vigil.db (default: $VIGIL_DATA or ./frames)`;

/** Runs the CLI; returns the exit code (0 ok, 1 failed, 2 usage or no database in the folder). */
export async function runUserCli(args: string[], io: CliIO): Promise<number> {
  let positional: string[], data: string, role: Role | undefined;
  try {
    const { values, positionals } = parseCliArgs(args, {
      data: { type: "string" },
      role: { type: "string" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    positional = positionals;
    data = values.data ?? (io.env("VIGIL_DATA") || "./frames");
    role = values.role === undefined ? undefined : validateRole(values.role);
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, name, extra] = positional;
  const arity: Record<string, number> = { list: 1, add: 2, passwd: 2, role: 3, remove: 2 };
  if (!command || !(command in arity) || positional.length !== arity[command]) {
    io.err(USAGE);
    return 2;
  }
  const dbPath = join(data, "vigil.db");
  try {
    Deno.statSync(dbPath);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      io.err(`Cannot read ${dbPath}: ${(err as Error).message}`);
      return 1;
    }
    // a wrong --data would otherwise create an empty database the server never reads
    io.err(`no Vigil database in ${data} (start Vigil once with --data ${data} first)`);
    return 2;
  }
  let auth: Auth;
  try {
    auth = Auth.open(dbPath, { log: () => {} });
  } catch (err) {
    io.err((err as Error).message);
    return 1;
  }
  try {
    switch (command) {
      case "list": {
        const users = auth.listUsers();
        if (users.length === 0) io.out("No users yet (the server creates 'admin' on first start).");
        for (const u of users) io.out(`${u.username}\t${u.role}`);
        break;
      }
      case "add": {
        if (auth.getUser(name)) throw new AuthInputError(`User "${name}" already exists`);
        const pw = await io.readPassword(`Password for ${name}: `, true);
        await auth.addUser(name, pw, role ?? "viewer", "cli");
        io.out(`Added ${name} (${role ?? "viewer"}).`);
        break;
      }
      case "passwd": {
        if (!auth.getUser(name)) throw new AuthInputError(`No user named "${name}"`);
        const pw = await io.readPassword(`New password for ${name}: `, true);
        await auth.setPassword(name, pw, "cli");
        io.out(`Password of ${name} changed; their sessions were ended.`);
        break;
      }
      case "role":
        auth.setRole(name, validateRole(extra), "cli");
        io.out(`${name} is now ${extra}.`);
        break;
      case "remove":
        auth.removeUser(name, "cli");
        io.out(`Removed ${name}.`);
        break;
    }
    return 0;
  } catch (err) {
    io.err(err instanceof AuthInputError ? err.message : `Failed: ${(err as Error).message}`);
    return 1;
  } finally {
    auth.close();
  }
}

const enc = new TextEncoder();

/** Reads a line from the terminal with echo off. */
async function readHidden(prompt: string): Promise<string> {
  await Deno.stderr.write(enc.encode(prompt));
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buf = new Uint8Array(64);
  try {
    outer: for (;;) {
      const n = await Deno.stdin.read(buf);
      if (n === null) break;
      for (const b of buf.subarray(0, n)) {
        if (b === 0x0d || b === 0x0a) break outer;
        if (b === 0x03 || b === 0x04) throw new AuthInputError("Cancelled");
        if (b === 0x7f || b === 0x08) bytes.pop();
        else bytes.push(b);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(enc.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The first line of stdin (for scripts). */
async function readStdinLine(): Promise<string> {
  const text = await new Response(Deno.stdin.readable).text();
  return text.split(/\r?\n/)[0];
}

function realIO(): CliIO {
  return {
    async readPassword(prompt, confirm) {
      if (!Deno.stdin.isTerminal()) return await readStdinLine();
      const pw = await readHidden(prompt);
      if (confirm && (await readHidden("Repeat it: ")) !== pw) {
        throw new AuthInputError("The two passwords differ; nothing changed.");
      }
      return pw;
    },
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    env: (name) => Deno.env.get(name),
  };
}

if (import.meta.main) {
  Deno.exit(await runUserCli(Deno.args, realIO()));
}
