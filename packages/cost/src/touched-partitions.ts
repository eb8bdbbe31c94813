/**
 * Expected number of distinct partitions that `changes` keys hash into when the table has `buckets`
 * hash partitions (`bucket(N, id)`): N x (1 - (1 - 1/N)^changes). A MERGE reads the key columns of
 * exactly these partitions of the target, and writes a data file and a delete file into each.
 */
export function touchedPartitions(changes: number, buckets: number): number {
  if (changes <= 0 || buckets <= 0) return 0;
  return buckets * -Math.expm1(changes * Math.log1p(-1 / buckets));
}
