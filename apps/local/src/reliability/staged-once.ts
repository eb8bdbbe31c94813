/**
 * Staged once: what compaction promises beyond "nothing lost" (compact-staged.ts, header comment: "a
 * listing never holds inputs and output together"). An append table's insert-only guard absorbs a
 * row staged twice, so the history oracle cannot see a compaction that duplicates; this check can.
 *
 * Every PUT of a staging key starts a new generation of that key (counted before the PUT is sent, so
 * whatever a listing shows has been counted). A compaction output carries the generations of its
 * inputs at its PUT (the journal's `merging` entry names them); any other object carries itself. When
 * a batch commits in the lake, each generation it holds must come through the same carrier as every
 * earlier time: the replay of a batch or of a compaction uses the same objects, and a redelivery after
 * a compaction stages a new generation. The same generation through two carriers (an input and the
 * output that folded it, or two outputs of one compaction) is a row staged twice.
 */
export class StagedOnce {
  private readonly generations = new Map<string, number>();
  /** Output key -> the generations it folded (`key#generation`). */
  private readonly outputs = new Map<string, readonly string[]>();
  /** `key#generation` -> the object it reached the lake through first. */
  private readonly carriers = new Map<string, string>();
  readonly violations: string[] = [];

  /** Called before each PUT of a staging key is sent. */
  put(key: string): void {
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }

  private id(key: string): string {
    return `${key}#${this.generations.get(key) ?? 0}`;
  }

  /** A compaction output landed, folding `inputs`. */
  compacted(output: string, inputs: readonly string[]): void {
    this.outputs.set(
      output,
      inputs.map((k) => this.id(k)),
    );
  }

  /** A batch of `objects` committed in the lake. */
  committed(label: string, objects: readonly string[]): void {
    for (const key of objects)
      for (const id of this.outputs.get(key) ?? [this.id(key)]) {
        const first = this.carriers.get(id);
        if (first === undefined) this.carriers.set(id, key);
        else if (first !== key)
          this.violations.push(
            `${label}: staged object ${id} reached the lake through ${first} and again through ${key}`,
          );
      }
  }
}
