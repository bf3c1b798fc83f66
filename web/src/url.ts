/**
 * The only module that touches `location` and `history`. Writes use history.replaceState, so that
 * dragging a control does not fill the back button's history.
 */
import { decodeState, encodeState, type PlaygroundState } from "./state";

/** The state in the current URL's hash, with notices for what was invalid. */
export function readHash(): { state: PlaygroundState; notices: string[] } {
  return decodeState(location.hash);
}

/** Puts the state into the hash without a new history entry. */
export function writeHash(s: PlaygroundState): void {
  const hash = `#${encodeState(s)}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

/** The link that reproduces `s`. */
export function shareLink(s: PlaygroundState): string {
  return `${location.origin}${location.pathname}#${encodeState(s)}`;
}

/** Calls back when the user edits the hash by hand (or navigates back to another one). */
export function onHashChange(f: () => void): void {
  window.addEventListener("hashchange", f);
}

/** Copies text to the clipboard; false when the page is not allowed to (the caller then shows the link). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
