import { useState } from 'react';

/**
 * A paged list's threshold and content-type scope: changing either goes back to page 1. The threshold stays
 * undefined until the editor moves it: the server then applies the site's configured one, and says which.
 */
export function usePagedFilters() {
  const [page, setPage] = useState(1);
  const [threshold, setThreshold] = useState<number>();
  const [scope, setScope] = useState<string[]>([]);
  return {
    page,
    setPage,
    threshold,
    setThreshold: (value: number) => {
      setThreshold(value);
      setPage(1);
    },
    scope,
    setScope: (value: string[]) => {
      setScope(value);
      setPage(1);
    },
  };
}
