import { SubNav } from '@strapi/strapi/admin';
import { useTranslate } from '../hooks/useTranslate';

/** The plugin's side navigation, like the Content Manager's and Settings'. */
export const PluginNav = () => {
  const t = useTranslate();
  return (
    <SubNav.Main aria-label={t('plugin.name', 'Image search')}>
      <SubNav.Header label={t('plugin.name', 'Image search')} />
      <SubNav.Sections>
        <SubNav.Section label={t('nav.media', 'Media')}>
          <SubNav.Link to="search" label={t('search.title', 'Search by image')} />
          <SubNav.Link to="duplicates" label={t('duplicates.title', 'Duplicates')} />
        </SubNav.Section>
        <SubNav.Section label={t('nav.index', 'Index')}>
          {/* Sections map over their children: even one link goes in an array. */}
          {[<SubNav.Link key="status" to="status" label={t('status.title', 'Index status')} />]}
        </SubNav.Section>
      </SubNav.Sections>
    </SubNav.Main>
  );
};
