import { useEffect, useRef, useState } from 'preact/hooks';
import type { IssuedToken } from '../../api/types.js';
import { CopyButton } from '../../ui/copy-button.js';
import { Tabs } from '../../ui/tabs.js';
import { Time } from '../../ui/time.js';
import { snippetsFor } from './snippets.js';

/** The new token, this once: copy it, or copy a snippet for a client. */
export function IssuedTokenPanel({ issued, onDone }: { issued: IssuedToken; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const snippets = snippetsFor(location.origin, issued.token);
  const [selected, setSelected] = useState(snippets[0].id);
  const snippet = snippets.find((s) => s.id === selected) ?? snippets[0];

  return (
    <section class="panel panel-issued" aria-labelledby="issued-title">
      <h2 id="issued-title" tabIndex={-1} ref={heading}>
        Token “{issued.token_name}” created
      </h2>
      <p class="notice notice-warning" id="issued-warning">
        Copy it now: this is the only time the gateway shows it. It expires <Time iso={issued.expires_at} />.
      </p>
      <div class="field">
        <label for="issued-token">Your new token</label>
        <div class="row row-nowrap">
          <input
            id="issued-token"
            class="mono"
            readOnly
            value={issued.token}
            aria-describedby="issued-warning"
            onFocus={(e) => e.currentTarget.select()}
          />
          <CopyButton text={issued.token} label="Copy token" />
        </div>
      </div>

      <h3>Use it</h3>
      <Tabs
        tabs={snippets.map((s) => ({ id: `snippet-${s.id}`, label: s.label }))}
        selected={`snippet-${selected}`}
        onSelect={(id) => setSelected(id.replace(/^snippet-/, ''))}
        label="Client"
      >
        <p>{snippet.intro}</p>
        <pre class="code scroll" tabIndex={0} aria-label={`${snippet.label} snippet`}>
          {snippet.text}
        </pre>
        <CopyButton text={snippet.text} label={`Copy ${snippet.label} snippet`} />
      </Tabs>

      <div class="form-actions">
        <button type="button" class="button button-primary" onClick={onDone}>
          I have saved it
        </button>
      </div>
    </section>
  );
}
