import { Layouts, Page } from '@strapi/strapi/admin';
import { Navigate, Route, Routes } from 'react-router-dom';
import { PERMISSIONS } from '../../../server/src/contracts/permissions';
import { PluginNav } from '../components/PluginNav';
import { DuplicatesPage } from './DuplicatesPage';
import { IndexStatusPage } from './IndexStatusPage';
import { SearchPage } from './SearchPage';

const App = () => (
  <Page.Protect permissions={[...PERMISSIONS.read]}>
    <Layouts.Root sideNav={<PluginNav />}>
      <Routes>
        <Route index element={<Navigate to="search" replace />} />
        <Route path="search" element={<SearchPage />} />
        <Route path="duplicates" element={<DuplicatesPage />} />
        <Route path="status" element={<IndexStatusPage />} />
        <Route path="*" element={<Page.Error />} />
      </Routes>
    </Layouts.Root>
  </Page.Protect>
);

export default App;
