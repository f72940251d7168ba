"""The "Copy link" button: the page's address, which holds every setting, copied in one click.

The address is read in the browser at the moment of the click: the server never sees the host name the
reader used (a classroom's address, a proxy's), and the browser has the settings the page just wrote.
"""

from __future__ import annotations

import streamlit as st

# A copy icon drawn here (two sheets), so it shows without an emoji font or an icon font in the shadow root.
_HTML = """
<button type="button" class="copy-link">
  <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
    <rect x="9" y="9" width="11" height="11" rx="2" fill="none" stroke="currentColor" stroke-width="2"/>
    <path d="M15 9V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v7a2 2 0 0 0 2 2h3" fill="none" stroke="currentColor"
          stroke-width="2"/>
  </svg>
  <span class="label">Copy link</span>
</button>
<span class="status" role="status"></span>
"""

# Looks like Streamlit's secondary button beside it; the colours keep a contrast of 4.5:1 or more.
_CSS = """
.copy-link {
  display: inline-flex; align-items: center; gap: 0.5rem; min-height: 2.5rem; padding: 0.25rem 0.75rem;
  border: 1px solid rgba(11, 19, 32, 0.25); border-radius: 0.5rem; background: #FFFFFF; color: #0B1320;
  font: inherit; font-size: 0.875rem; line-height: 1.6; cursor: pointer; white-space: nowrap;
}
.copy-link:hover { border-color: #0072B2; color: #005A8C; }
.copy-link:focus-visible { outline: 2px solid #0072B2; outline-offset: 2px; }
.status { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
"""

_JS = """
// The clipboard API needs a secure page (https or this machine); a classroom server on plain http has none,
// and the older copy command still works there while the click lasts.
function copyByCommand(text) {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let copied = false;
  try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
  area.remove();
  return copied;
}

async function copy(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* try the command below */ }
  }
  return copyByCommand(text);
}

export default function ({ parentElement }) {
  const button = parentElement.querySelector('.copy-link');
  if (!button || button.dataset.ready) return;
  button.dataset.ready = 'yes';
  const label = button.querySelector('.label');
  const status = parentElement.querySelector('.status');
  let timer = null;
  button.addEventListener('click', async () => {
    const link = window.location.href;
    if (await copy(link)) {
      label.textContent = 'Link copied';
      status.textContent = 'The link to this page, with every setting, is on the clipboard.';
      clearTimeout(timer);
      timer = setTimeout(() => { label.textContent = 'Copy link'; status.textContent = ''; }, 2500);
    } else {
      // Nothing could copy (a browser that forbids it): show the link, selected, to copy by hand.
      window.prompt('Copy this link to reopen the page as it is now:', link);
    }
  });
}
"""

_button = st.components.v2.component("cedash_copy_link", html=_HTML, css=_CSS, js=_JS)


def copy_link_button(key: str = "copy_link") -> None:
    """The button; copying happens in the browser, so a click does not rerun the page."""
    _button(key=key, width="content", height="content")
