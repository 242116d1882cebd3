import type { ReactNode } from 'react';
import { Badge, Box, Card, CardAsset, CardBadge, CardBody, CardContent, CardHeader, CardSubtitle, CardTitle, Flex, Link, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { Link as RouterLink } from 'react-router-dom';
import type { UsedFile } from '../../../server/src/contracts/http';
import type { ContentTypeInfo } from '../api/client';
import { useTranslate } from '../hooks/useTranslate';

/** Relative upload URLs are served by Strapi, which may not be where the admin is. */
export const assetUrl = (url: string) => (url.startsWith('/') ? `${(window as { strapi?: { backendURL?: string } }).strapi?.backendURL ?? ''}${url}` : url);

const entryPath = (type: ContentTypeInfo | undefined, uid: string, documentId: string) =>
  type?.kind === 'singleType' ? `/content-manager/single-types/${uid}` : `/content-manager/collection-types/${uid}/${documentId}`;

/** A media file as a card: thumbnail, name, resolution and size, similarity, and the entries that use it. */
export const FileCard = ({
  file,
  similarity,
  contentTypes,
  highlighted = false,
  badge,
  footer,
}: {
  file: UsedFile;
  similarity?: number;
  contentTypes: Map<string, ContentTypeInfo>;
  highlighted?: boolean;
  badge?: ReactNode;
  footer?: ReactNode;
}) => {
  const { formatNumber } = useIntl();
  const t = useTranslate();
  // Drafts and published versions of one entry field read as one line.
  const uses = [...new Map(file.usedBy.map((use) => [`${use.contentType}/${use.documentId}/${use.field}/${use.locale}`, use])).values()];
  return (
    <Card
      style={highlighted ? { outline: '2px solid var(--strapi-success-500, #5cb176)', outlineOffset: '-2px' } : undefined}
      data-testid={`file-card-${file.id}`}
    >
      <CardHeader>
        <CardAsset src={assetUrl(file.thumbnailUrl)} alt={file.alternativeText ?? file.name} />
        {similarity !== undefined && (
          <CardBadge>
            <span data-testid="similarity">{formatNumber(similarity, { style: 'percent', maximumFractionDigits: 1 })}</span>
          </CardBadge>
        )}
      </CardHeader>
      <CardBody>
        <CardContent style={{ width: '100%' }}>
          <CardTitle title={file.name}>{file.name}</CardTitle>
          <CardSubtitle>
            {[
              file.width && file.height ? `${file.width}×${file.height}` : null,
              file.size !== null ? formatNumber(file.size / 1024, { maximumFractionDigits: 0 }) + ' KB' : null,
              file.mime?.replace('image/', '').toUpperCase(),
            ]
              .filter(Boolean)
              .join(' · ')}
          </CardSubtitle>
          {badge && <Box paddingTop={2}>{badge}</Box>}
          <Box paddingTop={2}>
            {uses.length === 0 ? (
              <Typography variant="pi" textColor="neutral500">
                {t('file.unused', 'Not used by any entry')}
              </Typography>
            ) : (
              <Flex direction="column" alignItems="flex-start" gap={1}>
                <Typography variant="pi" textColor="neutral600">
                  {t('file.usedBy', 'Used by')}
                </Typography>
                {uses.map((use) => (
                  <Typography key={`${use.contentType}/${use.documentId}/${use.field}/${use.locale}`} variant="pi" ellipsis>
                    {use.title === null ? (
                      <Typography variant="pi" textColor="neutral500">
                        {t('file.unreadableEntry', 'An entry you may not read')}
                      </Typography>
                    ) : (
                      <Link tag={RouterLink} to={entryPath(contentTypes.get(use.contentType), use.contentType, use.documentId)}>
                        {use.title}
                      </Link>
                    )}{' '}
                    <Typography variant="pi" textColor="neutral500">
                      {contentTypes.get(use.contentType)?.displayName ?? use.contentType} · {use.field}
                    </Typography>
                  </Typography>
                ))}
              </Flex>
            )}
          </Box>
          {footer && <Box paddingTop={3}>{footer}</Box>}
        </CardContent>
      </CardBody>
    </Card>
  );
};

/** A small status badge, e.g. "Suggested keeper". */
export const Label = ({ children, tone = 'neutral' }: { children: ReactNode; tone?: 'neutral' | 'success' }) => (
  <Badge backgroundColor={tone === 'success' ? 'success100' : 'neutral150'} textColor={tone === 'success' ? 'success700' : 'neutral700'}>
    {children}
  </Badge>
);
