import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import { Box, Button, Flex, Grid, Typography } from '@strapi/design-system';
import { Images, Upload } from '@strapi/icons';
import { Layouts, Page, useStrapiApp } from '@strapi/strapi/admin';
import type { SimilarResponse } from '../../../server/src/contracts/http';
import { errorMessage, useImageSearchApi } from '../api/client';
import { ContentTypeFilter } from '../components/ContentTypeFilter';
import { ErrorBanner } from '../components/ErrorBanner';
import { FileCard } from '../components/FileCard';
import { Pager } from '../components/Pager';
import { ThresholdField } from '../components/ThresholdField';
import { useContentTypes } from '../hooks/useContentTypes';
import { usePagedFilters } from '../hooks/usePagedFilters';
import { useTranslate } from '../hooks/useTranslate';

const PAGE_SIZE = 12;

/** What the search is for: a file of the library, or an image dropped, pasted or picked from disk. */
type Query = { fileId: number; name: string } | { image: File };

type Failure = { message: string };

/** "What else looks like this?": pick a library file or drop an image, and browse the similar media. */
export const SearchPage = () => {
  const t = useTranslate();
  const api = useImageSearchApi();
  const contentTypes = useContentTypes();
  const MediaLibraryDialog = useStrapiApp('SearchPage', (state) => state.components['media-library']) as
    | ((props: {
        allowedTypes: string[];
        multiple: boolean;
        onClose: () => void;
        onSelectAssets: (assets: Array<{ id: number; name: string }>) => void;
      }) => JSX.Element)
    | undefined;

  const [query, setQuery] = useState<Query>();
  const { page, setPage, threshold, setThreshold, scope, setScope } = usePagedFilters();
  const [result, setResult] = useState<SimilarResponse>();
  const [failure, setFailure] = useState<Failure>();
  const [loading, setLoading] = useState(false);
  const [picking, setPicking] = useState(false);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const search = useCallback(async () => {
    if (!query) return;
    setLoading(true);
    const params = { page, pageSize: PAGE_SIZE, threshold, contentType: scope };
    try {
      setResult('fileId' in query ? await api.similarToFile(query.fileId, params) : await api.similarToImage(query.image, params));
      setFailure(undefined);
    } catch (error) {
      setResult(undefined);
      setFailure({ message: errorMessage(error) ?? t('search.error', 'The search failed') });
    } finally {
      setLoading(false);
    }
  }, [query, page, threshold, scope]);

  useEffect(() => {
    search();
  }, [search]);

  const choose = (next: Query) => {
    setQuery(next);
    setPage(1);
  };

  // A pasted image (a screenshot, say) is a query too.
  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      const image = [...(event.clipboardData?.files ?? [])].find((file) => file.type.startsWith('image/'));
      if (image) choose({ image });
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, []);

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const image = [...event.dataTransfer.files].find((file) => file.type.startsWith('image/'));
    if (image) choose({ image });
  };

  const queryLabel = !query ? undefined : 'fileId' in query ? query.name : query.image.name;

  return (
    <Page.Main>
      <Page.Title>{t('search.title', 'Search by image')}</Page.Title>
      <Layouts.Header
        title={t('search.title', 'Search by image')}
        subtitle={t('search.subtitle', 'Find media that looks like a file of the library, or like any image')}
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
            <Grid.Root gap={6}>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <Box
                  data-testid="drop-zone"
                  padding={6}
                  hasRadius
                  background={dragging ? 'primary100' : 'neutral100'}
                  borderStyle="dashed"
                  borderWidth="1px"
                  borderColor={dragging ? 'primary600' : 'neutral300'}
                  onDragOver={(event: DragEvent) => {
                    event.preventDefault();
                    setDragging(true);
                  }}
                  onDragLeave={() => setDragging(false)}
                  onDrop={onDrop}
                >
                  <Flex direction="column" gap={3}>
                    <Typography variant="delta" tag="p">
                      {queryLabel ? t('search.query', 'Images like {name}', { name: queryLabel }) : t('search.empty', 'Drop or paste an image here')}
                    </Typography>
                    <Flex gap={2} wrap="wrap" justifyContent="center">
                      {MediaLibraryDialog && (
                        <Button variant="secondary" startIcon={<Images />} onClick={() => setPicking(true)}>
                          {t('search.pick', 'Choose from the library')}
                        </Button>
                      )}
                      <Button variant="tertiary" startIcon={<Upload />} onClick={() => fileInput.current?.click()}>
                        {t('search.browse', 'Browse your computer')}
                      </Button>
                      <input
                        ref={fileInput}
                        type="file"
                        accept="image/*"
                        hidden
                        data-testid="query-file"
                        onChange={(event) => {
                          const image = event.target.files?.[0];
                          if (image) choose({ image });
                          event.target.value = '';
                        }}
                      />
                    </Flex>
                  </Flex>
                </Box>
              </Grid.Item>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch" gap={4}>
                <ThresholdField
                  label={t('search.threshold', 'Minimum similarity')}
                  hint={t('search.threshold.hint', 'Copies and edits of one photo score above 0.70; unrelated photos mostly under 0.45.')}
                  value={threshold ?? result?.meta.threshold}
                  onChange={setThreshold}
                />
                <ContentTypeFilter
                  label={t('search.scope', 'Content types')}
                  hint={t('search.scope.hint', 'Only media used by entries of these content types')}
                  placeholder={t('search.scope.all', 'All media')}
                  contentTypes={contentTypes}
                  value={scope}
                  onChange={setScope}
                />
              </Grid.Item>
            </Grid.Root>
          </Box>

          {failure && <ErrorBanner message={failure.message} testId="search-error" />}
          {loading && !result && <Page.Loading />}
          {result && (
            <>
              <Typography variant="delta" tag="h2">
                {result.data.length === 0
                  ? t('search.none', 'Nothing above this similarity')
                  : t('search.count', 'Similar media, page {page}', { page: result.meta.pagination.page })}
              </Typography>
              <Grid.Root gap={4} data-testid="results">
                {result.data.map((hit) => (
                  <Grid.Item key={hit.file.id} col={3} m={4} s={6} xs={12} direction="column" alignItems="stretch">
                    <FileCard file={hit.file} similarity={hit.similarity} contentTypes={contentTypes} />
                  </Grid.Item>
                ))}
              </Grid.Root>
              <Pager page={page} hasMore={result.meta.pagination.hasMore} onChange={setPage} />
            </>
          )}
        </Flex>
      </Layouts.Content>
      {picking && MediaLibraryDialog && (
        <MediaLibraryDialog
          allowedTypes={['images']}
          multiple={false}
          onClose={() => setPicking(false)}
          onSelectAssets={([asset]) => {
            setPicking(false);
            if (asset) choose({ fileId: asset.id, name: asset.name });
          }}
        />
      )}
    </Page.Main>
  );
};
