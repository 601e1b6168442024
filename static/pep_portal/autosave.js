// Keeps a draft of a PEP section as the user types, so a timeout, a crash or a closed tab
// never loses their work. The server validates nothing for drafts; "Save" still does.
const form = document.getElementById('section-form')
const status = document.getElementById('autosave-status')
const DELAY_MS = 2000
let timer = null
let dirty = false

async function saveDraft () {
  if (!form || !dirty) return
  dirty = false
  const data = new FormData(form)
  try {
    const response = await fetch(form.dataset.autosaveUrl, {
      method: 'POST',
      body: data,
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'fetch' }
    })
    const body = await response.json()
    if (body.saved) {
      const at = new Date(body.saved_at)
      status.textContent = `Draft saved at ${at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`
    } else {
      status.textContent = body.error || 'Your draft could not be saved.'
    }
  } catch (error) {
    dirty = true
    status.textContent = 'Your draft could not be saved just now. We will try again.'
  }
}

if (form) {
  form.addEventListener('input', () => {
    dirty = true
    clearTimeout(timer)
    timer = setTimeout(saveDraft, DELAY_MS)
  })
  // The session warning asks every page to keep what it can before the session ends.
  document.addEventListener('pep:session-ending', saveDraft)
  window.addEventListener('pagehide', saveDraft)
  form.addEventListener('submit', () => { dirty = false; clearTimeout(timer) })
}
