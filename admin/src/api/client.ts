import { useFetchClient } from '@strapi/strapi/admin';
import type {
  DismissDuplicates,
  DismissReport,
  DuplicateNoticeView,
  DuplicatePairMatch,
  DuplicatePairQuery,
  DuplicateScanStatus,
  DuplicatesQuery,
  DuplicatesResponse,
  IndexStatusResponse,
  RebuildStarted,
  ReconcileReport,
  ResolveDuplicates,
  ResolveReport,
  SimilarQuery,
  SimilarResponse,
} from '../../../server/src/contracts/http';
import { QUERY_IMAGE_FIELD } from '../../../server/src/contracts/http';
import { adminPath } from '../../../server/src/contracts/routes';

/** A content type as the Content Manager lists it. */
export interface ContentTypeInfo {
  uid: string;
  kind: 'collectionType' | 'singleType';
  displayName: string;
}

/** The message of a Strapi error response, when the request got one. */
export const errorMessage = (error: unknown): string | undefined =>
  (error as { response?: { data?: { error?: { message?: string } } } }).response?.data?.error?.message;

const params = (query: object) => ({ params: Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0))) });

/** The one client the admin uses to call the plugin's admin routes, typed by the shared contracts. */
export function useImageSearchApi() {
  const { get, post } = useFetchClient();
  return {
    getStatus: async () => (await get<IndexStatusResponse>(adminPath('status'))).data.data,

    reconcile: async () => (await post<{ data: ReconcileReport }>(adminPath('reconcile'), {})).data.data,
    rebuild: async () => (await post<{ data: RebuildStarted }>(adminPath('rebuild'), {})).data.data,
    scanDuplicates: async () => (await post<{ data: DuplicateScanStatus }>(adminPath('scanDuplicates'), {})).data.data,

    similarToFile: async (fileId: number, query: SimilarQuery) => (await get<SimilarResponse>(adminPath('similarToFile', { id: fileId }), params(query))).data,

    similarToImage: async (image: Blob, query: SimilarQuery) => {
      const form = new FormData();
      form.append(QUERY_IMAGE_FIELD, image, image instanceof File ? image.name : 'pasted-image');
      return (await post<SimilarResponse>(adminPath('similarToImage'), form, params(query))).data;
    },

    duplicates: async (query: DuplicatesQuery) => (await get<DuplicatesResponse>(adminPath('duplicates'), params(query))).data,

    duplicatePair: async (query: DuplicatePairQuery) => (await get<{ data: DuplicatePairMatch }>(adminPath('duplicatePair'), params(query))).data.data,

    recentDuplicates: async () => (await get<{ data: DuplicateNoticeView[] }>(adminPath('recentDuplicates'))).data.data,

    resolve: async (body: ResolveDuplicates) => (await post<{ data: ResolveReport }>(adminPath('resolveDuplicates'), body)).data.data,

    dismiss: async (body: DismissDuplicates) => (await post<{ data: DismissReport }>(adminPath('dismissDuplicates'), body)).data.data,

    /** Content types editors can open, for filters and "used by" labels. */
    contentTypes: async (): Promise<ContentTypeInfo[]> => {
      const { data } = await get<{ data: Array<{ uid: string; kind: ContentTypeInfo['kind']; isDisplayed: boolean; info: { displayName: string } }> }>(
        '/content-manager/content-types'
      );
      return data.data.filter((type) => type.isDisplayed && type.uid.startsWith('api::')).map(({ uid, kind, info }) => ({ uid, kind, displayName: info.displayName }));
    },
  };
}
