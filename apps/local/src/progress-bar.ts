/** `[#######.......]  42%  4,200 / 10,000` (the total may be an estimate: clamps at 100%). */
export function progressBar(done: number, total: number, width = 30): string {
  const f = total <= 0 ? 1 : Math.min(1, done / total);
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)}%  ${done.toLocaleString('en-US')} / ${Math.max(total, done).toLocaleString('en-US')}`;
}
