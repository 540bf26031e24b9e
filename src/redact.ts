/**
 * Passwords must never reach any output. Everything that prints a message, a URL or a connection description
 * passes it through `redact` first. Registered secrets (passwords we were handed, from the URL or PGPASSWORD) are
 * also scrubbed from free text, because drivers sometimes echo parts of a connection string.
 */
const secrets = new Set<string>();

export function registerSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= 3) secrets.add(secret);
}

/** Replace the password of any URL with userinfo (`scheme://user:pass@host`) by `***`. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s]*)@/gi, (_m, head: string) => `${head}***@`);
}

export function redact(text: string): string {
  let out = redactUrl(text);
  // key=value connection strings and password=... options
  out = out.replace(/(password\s*=\s*)('[^']*'|"[^"]*"|\S+)/gi, '$1***');
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
    const encoded = encodeURIComponent(s);
    if (encoded !== s && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return out;
}
