// State of the demo platform: users, sessions and posts, kept in memory and mirrored to
// <dataDir>/state.json on every change so sessions and posts survive a restart.
import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const userSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  passwordSalt: z.string(),
  passwordHash: z.string(),
  createdAt: z.number(),
});

const sessionSchema = z.object({
  username: z.string(),
  csrf: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});

const postSchema = z.object({
  id: z.string(),
  username: z.string(),
  caption: z.string(),
  createdAt: z.number(),
  sizeBytes: z.number(),
  filename: z.string(),
  originalName: z.string(),
});

const stateSchema = z.object({
  version: z.literal(1),
  users: z.record(z.string(), userSchema),
  // Keyed by sha256(session id): a leaked state file does not leak usable cookies.
  sessions: z.record(z.string(), sessionSchema),
  posts: z.array(postSchema),
});

export type User = z.infer<typeof userSchema>;
export type Session = z.infer<typeof sessionSchema>;
export type Post = z.infer<typeof postSchema>;
type State = z.infer<typeof stateSchema>;

export class DemoStore {
  readonly uploadsDir: string;
  private readonly statePath: string;
  private state: State = { version: 1, users: {}, sessions: {}, posts: [] };
  // Writes are chained so renames land in order and never interleave.
  private writeChain: Promise<void> = Promise.resolve();
  private tmpCounter = 0;

  private constructor(readonly dataDir: string) {
    this.statePath = join(dataDir, 'state.json');
    this.uploadsDir = join(dataDir, 'uploads');
  }

  static async open(dataDir: string, nowMs: number): Promise<DemoStore> {
    const store = new DemoStore(dataDir);
    await mkdir(store.uploadsDir, { recursive: true });
    let raw: string | null = null;
    try {
      raw = await readFile(store.statePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (raw !== null) {
      // A corrupt file is an error, never a silent reset: it holds accounts and posts.
      const parsed = stateSchema.safeParse(JSON.parse(raw));
      if (!parsed.success) {
        throw new Error(`demo platform: invalid ${store.statePath}: ${parsed.error.message}`);
      }
      store.state = parsed.data;
      const expired = Object.entries(store.state.sessions).filter(([, s]) => s.expiresAt <= nowMs);
      for (const [key] of expired) delete store.state.sessions[key];
      if (expired.length > 0) await store.persist();
    }
    return store;
  }

  /** Snapshot now, write temp file + rename; resolves once this snapshot is on disk. */
  private persist(): Promise<void> {
    const json = JSON.stringify(this.state, null, 2);
    const tmp = `${this.statePath}.${process.pid}.${++this.tmpCounter}.tmp`;
    const write = async (): Promise<void> => {
      try {
        await writeFile(tmp, json, 'utf8');
        await rename(tmp, this.statePath);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    };
    const result = this.writeChain.then(write);
    this.writeChain = result.catch(() => undefined);
    return result;
  }

  /** Resolves after every pending write has finished (used on close). */
  flush(): Promise<void> {
    return this.writeChain;
  }

  getUser(username: string): User | undefined {
    return this.state.users[username];
  }

  async putUser(user: User): Promise<void> {
    this.state.users[user.username] = user;
    await this.persist();
  }

  getSession(key: string, nowMs: number): Session | undefined {
    const session = this.state.sessions[key];
    if (!session || session.expiresAt <= nowMs) return undefined;
    return session;
  }

  async putSession(key: string, session: Session): Promise<void> {
    this.state.sessions[key] = session;
    await this.persist();
  }

  async deleteSession(key: string): Promise<void> {
    if (!(key in this.state.sessions)) return;
    delete this.state.sessions[key];
    await this.persist();
  }

  getPost(id: string): Post | undefined {
    return this.state.posts.find((p) => p.id === id);
  }

  /** All posts, newest first (ties broken by insertion order, newest last-inserted first). */
  listPosts(username?: string): Post[] {
    const posts = username ? this.state.posts.filter((p) => p.username === username) : this.state.posts;
    return posts
      .map((post, index) => ({ post, index }))
      .sort((a, b) => b.post.createdAt - a.post.createdAt || b.index - a.index)
      .map((x) => x.post);
  }

  async addPost(post: Post): Promise<void> {
    this.state.posts.push(post);
    await this.persist();
  }
}
