/**
 * A real SMTP server (the `smtp-server` package, RFC 5321 with AUTH PLAIN/LOGIN) on 127.0.0.1 that keeps every message
 * it accepts, with its envelope and the raw MIME text parsed by `parseMime`. No STARTTLS (a local test server has no
 * certificate), so AUTH is allowed in clear. `refuse(text)` makes it answer 554 `text` to every MAIL FROM until
 * `refuse(undefined)`.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  mime: ParsedMime;
}

export interface FakeSmtp {
  port: number;
  mails: ReceivedMail[];
  /** Authentications seen, as `user:password`. */
  logins: string[];
  refuse(text: string | undefined): void;
  close(): Promise<void>;
}

export async function startFakeSmtp(credentials: { user: string; password: string }): Promise<FakeSmtp> {
  const mails: ReceivedMail[] = [];
  const logins: string[] = [];
  let refusal: string | undefined;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push(`${auth.username}:${auth.password}`);
      if (auth.username === credentials.user && auth.password === credentials.password) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onMailFrom(_address, _session, callback) {
      if (refusal) return callback(Object.assign(new Error(refusal), { responseCode: 554 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          mime: parseMime(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port, mails, logins,
    refuse(text) {
      refusal = text;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ParsedMime {
  /** Header names in lower case, values unfolded and RFC 2047-decoded. */
  headers: Record<string, string>;
  /** The leaf parts (text/plain, text/html…), bodies decoded. */
  parts: { type: string; body: string }[];
}

/** Enough MIME for what nodemailer writes: multipart nesting, quoted-printable, base64, encoded words. */
export function parseMime(raw: string): ParsedMime {
  const [head, body] = splitOnce(raw.replace(/\r\n/g, '\n'), '\n\n');
  const headers = parseHeaders(head);
  return { headers, parts: leafParts(headers, body) };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const [name, value] = splitOnce(line, ':');
    if (value !== undefined) headers[name.trim().toLowerCase()] = decodeWords(value.trim());
  }
  return headers;
}

function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[QqBb]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : qpBytes(text.replace(/_/g, ' ')).toString('utf8'));
}

function qpBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function leafParts(headers: Record<string, string>, body: string): ParsedMime['parts'] {
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith('multipart/') && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    return sections
      .filter((section) => !section.startsWith('--'))
      .flatMap((section) => {
        const [partHead, partBody] = splitOnce(section.replace(/^\n/, ''), '\n\n');
        return leafParts(parseHeaders(partHead), partBody.replace(/\n$/, ''));
      });
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const decoded = encoding === 'base64'
    ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    : encoding === 'quoted-printable' ? qpBytes(body.replace(/=\n/g, '')).toString('utf8') : body;
  return [{ type: type.split(';')[0]!.trim().toLowerCase(), body: decoded }];
}
