import { Page } from '@strapi/strapi/admin';
import { Route, Routes } from 'react-router-dom';
import { PERMISSIONS } from '../../../server/src/contracts/permissions';
import { IndexStatusPage } from './IndexStatusPage';

const App = () => (
  <Page.Protect permissions={[...PERMISSIONS.read]}>
    <Routes>
      <Route index element={<IndexStatusPage />} />
      <Route path="*" element={<Page.Error />} />
    </Routes>
  </Page.Protect>
);

export default App;
