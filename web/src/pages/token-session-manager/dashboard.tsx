import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../api/types.js';
import { Tabs } from '../../ui/tabs.js';
import { AuditTab } from './audit-tab.js';
import { CleanupTab } from './cleanup-tab.js';
import { SessionsTab } from './sessions-tab.js';
import { TokensTab } from './tokens-tab.js';
import { UsersTab } from './users-tab.js';

const TABS = [
  { id: 'users', label: 'Active Users' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'cleanup', label: 'Cleanup' },
  { id: 'audit', label: 'Audit' },
];

const tabOfHash = (): string => {
  const id = location.hash.slice(1);
  return TABS.some((t) => t.id === id) ? id : 'users';
};

/** The admins' dashboard: people, sessions, tokens, Redis cleanup and the audit trail, one tab each. */
export function Dashboard({ me }: { me: Me }) {
  const [tab, setTab] = useState(tabOfHash);
  useEffect(() => {
    const follow = () => setTab(tabOfHash());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  const select = (id: string) => {
    history.replaceState(null, '', `#${id}`);
    setTab(id);
  };
  return (
    <>
      <h1>Token &amp; Session Manager</h1>
      <Tabs tabs={TABS} selected={tab} onSelect={select} label="Dashboard sections">
        {tab === 'users' && <UsersTab me={me} />}
        {tab === 'sessions' && <SessionsTab />}
        {tab === 'tokens' && <TokensTab />}
        {tab === 'cleanup' && <CleanupTab />}
        {tab === 'audit' && <AuditTab />}
      </Tabs>
    </>
  );
}
