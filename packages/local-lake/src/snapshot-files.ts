import { readFile } from 'node:fs/promises';

import { decodeManifest, decodeManifestList } from './manifest.js';
import type { ManifestEntry, ManifestFile } from './manifest.js';
import type { Snapshot } from './table-metadata.js';

/** The files of one snapshot: its manifests, and the live (non-DELETED) entries in them. */
export interface SnapshotFiles {
  readonly manifestList: string | null;
  readonly manifests: readonly ManifestFile[];
  /** Entries by manifest path, DELETED ones included (needed when a manifest is rewritten). */
  readonly entriesByManifest: ReadonlyMap<string, readonly ManifestEntry[]>;
  readonly data: readonly ManifestEntry[];
  readonly deletes: readonly ManifestEntry[];
}

export const EMPTY_FILES: SnapshotFiles = {
  manifestList: null,
  manifests: [],
  entriesByManifest: new Map(),
  data: [],
  deletes: [],
};

/**
 * Local path of a `file://` URI and back. The lake writes `file://` + absolute path with no
 * percent-encoding (table roots are plain paths), so that position delete files can be matched
 * against DuckDB's `filename` column with a plain string concatenation.
 */
export function localPath(uri: string): string {
  return uri.startsWith('file://') ? uri.slice('file://'.length) : uri;
}

export function fileUri(path: string): string {
  return `file://${path}`;
}

/**
 * Reads manifest lists and manifests. They are immutable once written (a new snapshot writes new
 * files), so a per-process cache keyed by path is always valid.
 */
export class ManifestReader {
  private readonly lists = new Map<string, readonly ManifestFile[]>();
  private readonly manifests = new Map<string, readonly ManifestEntry[]>();

  async snapshotFiles(snapshot: Snapshot | undefined): Promise<SnapshotFiles> {
    if (snapshot === undefined) return EMPTY_FILES;
    const listPath = snapshot['manifest-list'];
    let list = this.lists.get(listPath);
    if (list === undefined) {
      list = decodeManifestList(await readFile(localPath(listPath)), listPath);
      this.lists.set(listPath, list);
    }
    const entriesByManifest = new Map<string, readonly ManifestEntry[]>();
    await Promise.all(
      list.map(async (m) => {
        let entries = this.manifests.get(m.path);
        if (entries === undefined) {
          entries = decodeManifest(await readFile(localPath(m.path)), m.path, m);
          this.manifests.set(m.path, entries);
        }
        entriesByManifest.set(m.path, entries);
      }),
    );
    const data: ManifestEntry[] = [];
    const deletes: ManifestEntry[] = [];
    for (const m of list) {
      for (const e of entriesByManifest.get(m.path) ?? []) {
        if (e.status === 2) continue;
        (e.file.content === 0 ? data : deletes).push(e);
      }
    }
    return { manifestList: listPath, manifests: list, entriesByManifest, data, deletes };
  }
}
