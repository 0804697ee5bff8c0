import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, type Batch } from './batches.js';

describe('Batcher (albums and a text right after a video)', () => {
  let flushed: Batch<string>[];
  let batcher: Batcher<string>;
  beforeEach(() => {
    vi.useFakeTimers();
    flushed = [];
    batcher = new Batcher<string>(1000, async (b) => void flushed.push(b), (e) => {
      throw e;
    });
  });
  afterEach(() => vi.useRealTimers());

  it('gathers the parts of an album until the chat is quiet, with the first caption as context', async () => {
    batcher.add('chat', { value: 'a', groupId: 'g' });
    await vi.advanceTimersByTimeAsync(900);
    batcher.add('chat', { value: 'b', groupId: 'g', caption: 'Hola' });
    await vi.advanceTimersByTimeAsync(900);
    batcher.add('chat', { value: 'c', groupId: 'g', caption: 'otro' });
    expect(flushed).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(flushed).toEqual([{ key: 'chat', items: ['a', 'b', 'c'], context: 'Hola' }]);
    expect(batcher.size()).toBe(0);
  });

  it('a different album or a single video closes the open batch', async () => {
    batcher.add('chat', { value: 'a', groupId: 'g1' });
    batcher.add('chat', { value: 'b', groupId: 'g2' });
    batcher.add('chat', { value: 'c' });
    batcher.add('chat', { value: 'd' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(flushed.map((b) => b.items)).toEqual([['a'], ['b'], ['c'], ['d']]);
  });

  it('keeps chats apart', async () => {
    batcher.add('x', { value: 'a', groupId: 'g' });
    batcher.add('y', { value: 'b', groupId: 'g' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(flushed.map((b) => [b.key, b.items])).toEqual([['x', ['a']], ['y', ['b']]]);
  });

  it('a text right after a caption-less video becomes its context and submits at once; otherwise it is not taken', async () => {
    expect(batcher.attachText('chat', 'nada pendiente')).toBe(false);
    batcher.add('chat', { value: 'a' });
    expect(batcher.attachText('chat', 'Contexto')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed).toEqual([{ key: 'chat', items: ['a'], context: 'Contexto' }]);
    batcher.add('chat', { value: 'b', caption: 'ya tiene' });
    expect(batcher.attachText('chat', 'otro texto')).toBe(false);
  });

  it('drain submits what is still gathering (shutdown loses nothing) and waits for it', async () => {
    let release!: () => void;
    const slow = new Batcher<string>(60_000, (b) => new Promise<void>((r) => {
      release = () => {
        flushed.push(b);
        r();
      };
    }), () => undefined);
    slow.add('chat', { value: 'a' });
    const drained = slow.drain();
    expect(slow.size()).toBe(1);
    release();
    await drained;
    expect(flushed.map((b) => b.items)).toEqual([['a']]);
    expect(slow.size()).toBe(0);
  });

  it('a failing flush is reported, not thrown at the caller', async () => {
    const errors: unknown[] = [];
    const failing = new Batcher<string>(10, async () => {
      throw new Error('db down');
    }, (e) => errors.push(e));
    failing.add('chat', { value: 'a' });
    await vi.advanceTimersByTimeAsync(10);
    await failing.drain();
    expect(errors).toHaveLength(1);
  });
});
