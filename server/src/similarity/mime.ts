/** Whether a file's MIME type passes a filter of types (`image/png`) and families (`image/*`); no filter passes all. */
export function mimeMatches(mime: string | null, filter: readonly string[] | undefined): boolean {
  if (!filter || filter.length === 0) return true;
  if (!mime) return false;
  const type = mime.toLowerCase();
  return filter.some((wanted) => (wanted.endsWith('/*') ? type.startsWith(wanted.slice(0, -1)) : type === wanted));
}

const TYPED_FAMILIES = ['image', 'video', 'audio'];

/**
 * Whether a file of this MIME type may sit in a media field with these `allowedTypes` (images, videos, audios,
 * files), by the Content Manager's own rule: the family names the type, and `files` takes whatever is none of the
 * three. No list (or null) takes anything.
 */
export function fitsMediaField(mime: string | null, allowedTypes: readonly string[] | null | undefined): boolean {
  if (!allowedTypes) return true;
  const family = mime?.split('/')[0].toLowerCase();
  if (!family) return allowedTypes.includes('files');
  if (TYPED_FAMILIES.includes(family)) return allowedTypes.includes(`${family}s`);
  return allowedTypes.includes('files');
}
