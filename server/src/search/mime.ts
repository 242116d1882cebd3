/** Whether a file's MIME type passes a filter of types (`image/png`) and families (`image/*`); no filter passes all. */
export function mimeMatches(mime: string | null, filter: readonly string[] | undefined): boolean {
  if (!filter || filter.length === 0) return true;
  if (!mime) return false;
  const type = mime.toLowerCase();
  return filter.some((wanted) => (wanted.endsWith('/*') ? type.startsWith(wanted.slice(0, -1)) : type === wanted));
}
