import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { IssuedToken, Me, Token, TokenList } from '../../api/types.js';
import { ErrorState, Loading, Notice } from '../../ui/states.js';
import { CreateTokenForm } from './create-token-form.js';
import { IssuedTokenPanel } from './issued-token-panel.js';
import { TokenTable } from './token-table.js';

/** Create a token (shown once, with snippets), list the live ones, revoke. */
export function TokenManager({ me }: { me: Me }) {
  const [list, setList] = useState<TokenList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    setError(null);
    api.get<TokenList>('/api/token/list').then(setList, setError);
  }, [generation]);
  const reload = () => setGeneration((g) => g + 1);

  const live = list?.items.filter((t: Token) => t.status === 'active' || t.status === 'blocked') ?? [];
  const atLimit = list !== null && live.length >= list.max_tokens;

  return (
    <>
      <h1>Token Manager</h1>
      <p class="lead">
        API tokens let your tools call this gateway as you. A token is shown once, when you create it; keep it like a password.
      </p>

      {issued ? (
        <IssuedTokenPanel issued={issued} onDone={() => setIssued(null)} />
      ) : (
        <CreateTokenForm
          maxDays={me.limits?.token_max_days ?? null}
          defaultDays={me.limits?.token_default_days ?? 30}
          atLimit={atLimit}
          maxTokens={list?.max_tokens ?? null}
          onCreated={(token) => {
            setIssued(token);
            setNotice(null);
            reload();
          }}
        />
      )}

      <section class="panel" aria-labelledby="tokens-title">
        <div class="panel-head">
          <h2 id="tokens-title">Your live tokens</h2>
          {list && (
            <span class="muted">
              {live.length} of {list.max_tokens} allowed
            </span>
          )}
        </div>
        {notice && (
          <Notice kind="success" onDismiss={() => setNotice(null)}>
            {notice}
          </Notice>
        )}
        {error ? (
          <ErrorState error={error} onRetry={reload} />
        ) : !list ? (
          <Loading />
        ) : (
          <TokenTable
            tokens={live}
            onRevoked={(token) => {
              setNotice(`Token “${token.token_name}” revoked: it is refused from its next request on.`);
              reload();
            }}
          />
        )}
      </section>
    </>
  );
}
