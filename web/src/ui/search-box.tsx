import { useEffect, useState } from 'preact/hooks';

/**
 * A search field that reports what was typed once typing pauses (300 ms), trimmed. The text is
 * sent as is: the gateway matches it literally.
 */
export function SearchBox({
  id,
  label,
  placeholder,
  onSearch,
}: {
  id: string;
  label: string;
  placeholder?: string;
  onSearch: (text: string) => void;
}) {
  const [text, setText] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => onSearch(text.trim()), 300);
    return () => clearTimeout(timer);
    // onSearch is a state setter of the caller; only the text drives the search.
  }, [text]);
  return (
    <div class="field field-inline">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={text}
        placeholder={placeholder}
        autoComplete="off"
        spellcheck={false}
        onInput={(e) => setText(e.currentTarget.value)}
      />
    </div>
  );
}
