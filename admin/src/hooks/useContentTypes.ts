import { useEffect, useState } from 'react';
import { useImageSearchApi, type ContentTypeInfo } from '../api/client';

/** The content types editors see, by UID; empty until loaded (labels fall back to UIDs). */
export function useContentTypes(): Map<string, ContentTypeInfo> {
  const api = useImageSearchApi();
  const [types, setTypes] = useState<Map<string, ContentTypeInfo>>(new Map());
  useEffect(() => {
    api
      .contentTypes()
      .then((list) => setTypes(new Map(list.map((type) => [type.uid, type]))))
      .catch(() => undefined);
  }, []);
  return types;
}
