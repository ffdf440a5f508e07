/** Ready-to-paste settings for the usual clients, filled in with this gateway's URL and the new token. */

export interface Snippet {
  id: string;
  label: string;
  /** What to do with the text. */
  intro: string;
  text: string;
}

export function snippetsFor(origin: string, token: string): Snippet[] {
  return [
    {
      id: 'curl',
      label: 'curl',
      intro: 'Call the OpenAI-compatible chat API from a shell. Replace <model> with a model this gateway offers.',
      text: [
        `curl ${origin}/v1/chat/completions \\`,
        `  -H "Authorization: Bearer ${token}" \\`,
        `  -H "content-type: application/json" \\`,
        `  -d '{"model": "<model>", "messages": [{"role": "user", "content": "Hello"}]}'`,
      ].join('\n'),
    },
    {
      id: 'claude-code',
      label: 'Claude Code',
      intro: 'Set these in the shell (or your shell profile) before starting claude.',
      text: [`export ANTHROPIC_BASE_URL=${origin}`, `export ANTHROPIC_AUTH_TOKEN=${token}`, 'claude'].join('\n'),
    },
    {
      id: 'openai',
      label: 'OpenAI SDK',
      intro: 'Python (pip install openai); the Node SDK takes the same baseURL and apiKey.',
      text: [
        'from openai import OpenAI',
        '',
        `client = OpenAI(base_url="${origin}/v1", api_key="${token}")`,
        'reply = client.chat.completions.create(',
        '    model="<model>",',
        '    messages=[{"role": "user", "content": "Hello"}],',
        ')',
        'print(reply.choices[0].message.content)',
      ].join('\n'),
    },
    {
      id: 'anthropic',
      label: 'Anthropic SDK',
      intro: 'Python (pip install anthropic); the TypeScript SDK takes the same baseURL and apiKey.',
      text: [
        'import anthropic',
        '',
        `client = anthropic.Anthropic(base_url="${origin}", api_key="${token}")`,
        'message = client.messages.create(',
        '    model="<model>",',
        '    max_tokens=1024,',
        '    messages=[{"role": "user", "content": "Hello"}],',
        ')',
        'print(message.content[0].text)',
      ].join('\n'),
    },
    {
      id: 'roo-code',
      label: 'Roo Code',
      intro: 'In Roo Code’s settings, choose the “OpenAI Compatible” provider and enter:',
      text: [`API Provider: OpenAI Compatible`, `Base URL:     ${origin}/v1`, `API Key:      ${token}`, `Model:        <model>`].join('\n'),
    },
  ];
}
