import { Detail } from '../../../components/Detail.tsx';

export const dynamic = 'force-dynamic';

export default async function AudioPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <Detail id={id} />;
}
