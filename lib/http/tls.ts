/** Optional HTTPS: reading `--tls-cert` / `--tls-key` PEM files for `Deno.serve({ cert, key })`. */

export interface TlsFiles {
  cert: string;
  key: string;
}

/**
 * Reads the certificate chain and private key (PEM). Returns null when neither path is given;
 * throws an Error saying what to fix when only one is given or a file is unreadable/not PEM.
 * Usage: `const tls = await loadTls(flags.tlsCert, flags.tlsKey); Deno.serve({ port, hostname, ...tls }, app.fetch)`.
 */
export async function loadTls(
  certFile: string | undefined,
  keyFile: string | undefined,
): Promise<TlsFiles | null> {
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) {
    throw new Error(
      "HTTPS needs both --tls-cert FILE and --tls-key FILE (PEM); give both or neither",
    );
  }
  const read = async (file: string, flag: string, marker: RegExp) => {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (err) {
      throw new Error(
        `Cannot read ${flag} ${file}: ${
          (err as Error).message
        } (check the path and that Vigil may read it)`,
      );
    }
    if (!marker.test(text)) {
      throw new Error(`${flag} ${file} is not a PEM file (expected a "-----BEGIN …" block)`);
    }
    return text;
  };
  const [cert, key] = await Promise.all([
    read(certFile, "--tls-cert", /-----BEGIN CERTIFICATE-----/),
    read(keyFile, "--tls-key", /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/),
  ]);
  return { cert, key };
}
