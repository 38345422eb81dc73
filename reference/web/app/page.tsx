import { Dashboard } from '../components/Dashboard.tsx';

export const dynamic = 'force-dynamic';

export default function Home() {
  return <Dashboard />;
}
