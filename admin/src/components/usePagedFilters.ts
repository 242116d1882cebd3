import { useState } from 'react';

/** A paged list's threshold and content-type scope: changing either goes back to page 1. */
export function usePagedFilters(defaultThreshold: number) {
  const [page, setPage] = useState(1);
  const [threshold, setThreshold] = useState(defaultThreshold);
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
