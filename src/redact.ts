/**
 * Passwords must never reach any output. Everything that prints a message, a URL or a connection description
 * passes it through `redact` first. Registered secrets (passwords we were handed, from the URL or PGPASSWORD) are
 * also scrubbed from free text, because drivers sometimes echo parts of a connection string.
 */
const secrets = new Set<string>();

export function registerSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= 3) secrets.add(secret);
}

/**
 * Replace the password of any URL with userinfo (`scheme://user:pass@host`) by `***`. The password may hold
 * unencoded `/` or `:` (users paste them so), so it runs to the `@`. Written as a scan anchored on each `://`
 * rather than a regular expression: the obvious regex tries every start position and backtracks over the whole
 * run of scheme-like characters, which made a 256 KB name in an archive take minutes to print.
 */
export function redactUrl(text: string): string {
  let out = '';
  let copied = 0;
  // a password scan that ended without an `@` ends at the same place for every later `://` before that place
  let noAtBefore = -1;
  for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 3)) {
    if (at < copied || !hasScheme(text, at)) continue;
    let i = at + 3;
    while (i < text.length && !USER_END.test(text[i] as string)) i++;
    if (text[i] !== ':') continue;
    const passwordStart = i + 1;
    if (passwordStart < noAtBefore) continue;
    let j = passwordStart;
    while (j < text.length && text[j] !== '@' && !/\s/.test(text[j] as string)) j++;
    if (text[j] !== '@') {
      noAtBefore = j;
      continue;
    }
    out += `${text.slice(copied, passwordStart)}***@`;
    copied = j + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const USER_END = /[:/?#@\s]/;
const SCHEME_CHAR = /[a-z0-9+.-]/i;

/** Whether `://` at `at` follows a URL scheme: a run of scheme characters that holds a letter. */
function hasScheme(text: string, at: number): boolean {
  for (let k = at - 1; k >= 0 && SCHEME_CHAR.test(text[k] as string); k--) if (/[a-z]/i.test(text[k] as string)) return true;
  return false;
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
