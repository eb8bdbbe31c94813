import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Where the poller is in one shard: the last sequence number fully handled, and whether the shard is done. */
export interface ShardCheckpoint {
  readonly sequenceNumber: string | undefined;
  /** The shard is closed and every record of it was handled: its children may start. */
  readonly finished: boolean;
}

/**
 * The event source mapping's own bookkeeping. Lambda keeps it inside the service; locally it lives
 * in a file under the data directory, so a killed and restarted poller resumes after the last
 * batch that was handled (at-least-once: the batch in flight at the kill is delivered again).
 */
export interface CheckpointStore {
  load(streamArn: string): Promise<Map<string, ShardCheckpoint>>;
  save(streamArn: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void>;
}

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly streams = new Map<string, Map<string, ShardCheckpoint>>();

  load(streamArn: string): Promise<Map<string, ShardCheckpoint>> {
    return Promise.resolve(new Map(this.streams.get(streamArn) ?? []));
  }

  save(streamArn: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    let shards = this.streams.get(streamArn);
    if (shards === undefined) this.streams.set(streamArn, (shards = new Map<string, ShardCheckpoint>()));
    shards.set(shardId, checkpoint);
    return Promise.resolve();
  }
}

type FileShape = Record<string, Record<string, { sequenceNumber?: string; finished: boolean }>>;

/** One JSON file, rewritten atomically (temporary file + rename) on every save. */
export class FileCheckpointStore implements CheckpointStore {
  private readonly path: string;
  private state: FileShape | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  private async read(): Promise<FileShape> {
    if (this.state !== undefined) return this.state;
    try {
      this.state = JSON.parse(await readFile(this.path, 'utf8')) as FileShape;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.state = {};
    }
    return this.state;
  }

  async load(streamArn: string): Promise<Map<string, ShardCheckpoint>> {
    const state = await this.read();
    return new Map(
      Object.entries(state[streamArn] ?? {}).map(([shard, c]) => [
        shard,
        { sequenceNumber: c.sequenceNumber, finished: c.finished },
      ]),
    );
  }

  async save(streamArn: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    const state = await this.read();
    (state[streamArn] ??= {})[shardId] = {
      ...(checkpoint.sequenceNumber === undefined ? {} : { sequenceNumber: checkpoint.sequenceNumber }),
      finished: checkpoint.finished,
    };
    const text = JSON.stringify(state, null, 1);
    // Saves are serialised so an older state never overwrites a newer one.
    const run = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(dirname(this.path), { recursive: true });
        const tmp = `${this.path}.${process.pid}.tmp`;
        await writeFile(tmp, text);
        await rename(tmp, this.path);
      });
    this.writing = run;
    await run;
  }
}
