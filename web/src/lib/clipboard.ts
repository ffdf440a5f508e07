/** Puts text on the clipboard (the async Clipboard API; pages are same-origin and secure contexts). */
export async function copyText(text: string): Promise<void> {
  if (!navigator.clipboard) throw new Error('The clipboard is not available here');
  await navigator.clipboard.writeText(text);
}
