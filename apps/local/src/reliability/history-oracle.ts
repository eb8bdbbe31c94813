/**
 * The history oracle: a pure function that checks everything the lake showed against the history of
 * writes DynamoDB made, in the way Jepsen's Elle and Knossos check every observed version against
 * the history of writes instead of comparing end states only (an end-state check misses a row that
 * came back for a moment, an update applied out of order, a change dropped and then overwritten).
 *
 * Inputs, all recorded by the harness while a scenario ran:
 * - `writes`: every stream record of the table (sequence number, INSERT/MODIFY -> upsert with the
 *   expected row, REMOVE -> delete), read from the stream itself;
 * - `commits`: the changes each merge committed (key and sequence number of every staged row of
 *   the batch), in the order the engine reported them done;
 * - `observations`: table snapshots, each read by one observer (a reader, or the post-merge check);
 * - `final` and `scan`: the lake after the drain and a full Scan of DynamoDB.
 *
 * What must hold (each a `ViolationKind`):
 * - every row is one version its key had (same sequence number and same value; a backfill row,
 *   sequence number 0, must equal some version's value), one row per key, no key never written;
 * - per observer, a key's version never goes backwards; in particular a key seen deleted stays
 *   absent until a later insert, and a row never vanishes without a delete;
 * - an observation that started after a merge committed shows each key of that batch at the batch's
 *   version or a later one (otherwise the change was lost, even if a later one hides it);
 * - every write is in some committed batch (no change skipped on its way to the lake);
 * - the final lake holds exactly the last version of every key, and that is what the Scan holds.
 */

/** One version of a key, from its stream record. */
export interface WriteRecord {
  readonly key: string;
  /** The stream record's SequenceNumber. */
  readonly seq: bigint;
  readonly op: 'upsert' | 'delete';
  /** The expected row in canonical text (upserts only). */
  readonly row?: string;
}

export interface ObservedRow {
  readonly key: string;
  /** The row's `_seq` (0 for a backfill row). */
  readonly seq: bigint;
  readonly row: string;
}

export interface Observation {
  /** Versions never go backwards per observer: a reader's id, or `merges` for post-merge reads. */
  readonly observer: string;
  /** What to print: "after merge 3", "reader 1 read 17". */
  readonly label: string;
  /** When the read started (a counter shared with commits: only commits before it bind it). */
  readonly at: number;
  readonly rows: readonly ObservedRow[];
}

export interface Commit {
  readonly label: string;
  /** When the engine reported the commit (same counter as `Observation.at`). */
  readonly at: number;
  /** Every staged row of the batch: key and sequence number (backfill rows have 0). */
  readonly changes: readonly { readonly key: string; readonly seq: bigint }[];
}

export interface HistoryInput {
  readonly writes: readonly WriteRecord[];
  readonly commits: readonly Commit[];
  readonly observations: readonly Observation[];
  /** The lake after the drain. */
  readonly final: readonly ObservedRow[];
  /** A full Scan of DynamoDB after the drain: key -> expected row text. */
  readonly scan: ReadonlyMap<string, string>;
}

export type ViolationKind =
  | 'duplicate'
  | 'phantom-key'
  | 'unknown-version'
  | 'went-backwards'
  | 'resurrection'
  | 'vanished'
  | 'lost-change'
  | 'never-merged'
  | 'final-differs'
  | 'history-differs-from-scan';

export interface Violation {
  readonly kind: ViolationKind;
  readonly key: string;
  readonly where: string;
  readonly detail: string;
}

/** Index of a key's versions: -1 stands for "never inserted" (absent from the start). */
interface KeyHistory {
  readonly versions: readonly WriteRecord[];
  readonly bySeq: ReadonlyMap<bigint, number>;
}

const ABSENT_FROM_START = -1;

function indexHistory(writes: readonly WriteRecord[]): Map<string, KeyHistory> {
  const grouped = new Map<string, WriteRecord[]>();
  for (const w of writes) {
    let list = grouped.get(w.key);
    if (list === undefined) grouped.set(w.key, (list = []));
    // A record read twice (the stream read again) is one version.
    if (!list.some((x) => x.seq === w.seq)) list.push(w);
  }
  const out = new Map<string, KeyHistory>();
  for (const [key, list] of grouped) {
    list.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    out.set(key, { versions: list, bySeq: new Map(list.map((w, i) => [w.seq, i])) });
  }
  return out;
}

function describe(h: KeyHistory, index: number): string {
  if (index === ABSENT_FROM_START) return 'absent (never inserted)';
  const v = h.versions[index]!;
  return v.op === 'delete' ? `deleted @${v.seq}` : `${v.row ?? '?'} @${v.seq}`;
}

/**
 * The states a row (or its absence) can stand for: indexes of the versions it equals. A stream row
 * names its version by sequence number and must also hold that version's value; a backfill row
 * (sequence number 0) stands for every version with its value; absence stands for "never inserted"
 * and every delete.
 */
function candidates(h: KeyHistory, row: ObservedRow | undefined): number[] {
  if (row === undefined)
    return [ABSENT_FROM_START, ...h.versions.flatMap((v, i) => (v.op === 'delete' ? [i] : []))];
  if (row.seq === 0n)
    return h.versions.flatMap((v, i) => (v.op === 'upsert' && v.row === row.row ? [i] : []));
  const i = h.bySeq.get(row.seq);
  if (i === undefined) return [];
  const v = h.versions[i]!;
  return v.op === 'upsert' && v.row === row.row ? [i] : [];
}

export function checkHistory(input: HistoryInput): Violation[] {
  const violations: Violation[] = [];
  const history = indexHistory(input.writes);
  const add = (kind: ViolationKind, key: string, where: string, detail: string): void => {
    violations.push({ kind, key, where, detail });
  };

  // Lower bounds from commits, applied to observations that started after them.
  const commits = [...input.commits].sort((a, b) => a.at - b.at);
  const bound = new Map<string, { index: number; label: string }>();
  let nextCommit = 0;
  const applyCommitsBefore = (at: number): void => {
    for (; nextCommit < commits.length && commits[nextCommit]!.at < at; nextCommit++) {
      const c = commits[nextCommit]!;
      for (const change of c.changes) {
        if (change.seq === 0n) continue; // a backfill row names no version
        const i = history.get(change.key)?.bySeq.get(change.seq);
        if (i === undefined) continue; // reported below as never written, by the final checks
        const prev = bound.get(change.key);
        if (prev === undefined || i > prev.index) bound.set(change.key, { index: i, label: c.label });
      }
    }
  };

  const lastSeen = new Map<string, Map<string, number>>(); // observer -> key -> index
  const observations = [...input.observations].sort((a, b) => a.at - b.at);
  for (const o of observations) {
    applyCommitsBefore(o.at);
    let seen = lastSeen.get(o.observer);
    if (seen === undefined) lastSeen.set(o.observer, (seen = new Map<string, number>()));
    const rows = new Map<string, ObservedRow>();
    for (const r of o.rows) {
      if (rows.has(r.key)) add('duplicate', r.key, o.label, `two rows: ${rows.get(r.key)!.row} and ${r.row}`);
      else rows.set(r.key, r);
      if (!history.has(r.key)) add('phantom-key', r.key, o.label, `a row for a key never written: ${r.row}`);
    }
    for (const [key, h] of history) {
      const row = rows.get(key);
      const options = candidates(h, row);
      const last = seen.get(key) ?? ABSENT_FROM_START;
      const shown = row === undefined ? 'absent' : `${row.row} @${row.seq}`;
      if (options.length === 0) {
        add('unknown-version', key, o.label, `shows ${shown}, a version the key never had`);
        continue;
      }
      const next = options.find((i) => i >= last);
      if (next === undefined) {
        const latest = options[options.length - 1]!;
        const deletedBetween = h.versions.some((v, i) => v.op === 'delete' && i > latest && i <= last);
        const kind: ViolationKind =
          row === undefined ? 'vanished' : deletedBetween ? 'resurrection' : 'went-backwards';
        add(kind, key, `${o.label} (${o.observer})`, `shows ${shown} after it showed ${describe(h, last)}`);
        continue;
      }
      const b = bound.get(key);
      if (b === undefined || next >= b.index) {
        seen.set(key, next);
        continue;
      }
      // A merge committed a later version before this read started: the row must stand for it.
      const atLeast = options.find((i) => i >= b.index);
      seen.set(key, atLeast ?? next);
      if (atLeast === undefined)
        add(
          'lost-change',
          key,
          o.label,
          `shows ${shown}, but ${b.label} had committed ${describe(h, b.index)}`,
        );
    }
  }

  // Every version reached the lake in some committed batch.
  const merged = new Set<string>();
  for (const c of input.commits) for (const ch of c.changes) merged.add(`${ch.key}\u0000${ch.seq}`);
  for (const [key, h] of history)
    for (const v of h.versions)
      if (!merged.has(`${key}\u0000${v.seq}`))
        add('never-merged', key, 'commits', `${describe(h, h.bySeq.get(v.seq)!)} is in no committed batch`);

  // The end: the lake holds the last version of every key, and so does DynamoDB.
  const finalRows = new Map<string, ObservedRow>();
  for (const r of input.final) {
    if (finalRows.has(r.key))
      add('duplicate', r.key, 'final', `two rows: ${finalRows.get(r.key)!.row} and ${r.row}`);
    finalRows.set(r.key, r);
    if (!history.has(r.key)) add('phantom-key', r.key, 'final', `a row for a key never written: ${r.row}`);
  }
  for (const [key, h] of history) {
    const lastVersion = h.versions[h.versions.length - 1]!;
    const want = lastVersion.op === 'delete' ? undefined : lastVersion.row;
    const scanned = input.scan.get(key);
    if (scanned !== want)
      add(
        'history-differs-from-scan',
        key,
        'scan',
        `the stream's last version is ${describe(h, h.versions.length - 1)}, the Scan has ${scanned ?? 'no item'}`,
      );
    const have = finalRows.get(key);
    const ok =
      want === undefined
        ? have === undefined
        : have !== undefined && have.row === want && have.seq === lastVersion.seq;
    if (!ok)
      add(
        'final-differs',
        key,
        'final',
        `the lake has ${have === undefined ? 'no row' : `${have.row} @${have.seq}`}, DynamoDB ${describe(h, h.versions.length - 1)}`,
      );
  }
  for (const key of input.scan.keys())
    if (!history.has(key)) add('history-differs-from-scan', key, 'scan', 'an item no stream record wrote');
  return violations;
}

/** Violations counted per kind, for the report. */
export function countByKind(violations: readonly Violation[]): Partial<Record<ViolationKind, number>> {
  const out: Partial<Record<ViolationKind, number>> = {};
  for (const v of violations) out[v.kind] = (out[v.kind] ?? 0) + 1;
  return out;
}
