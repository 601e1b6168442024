// Keeps a draft of a PEP section as the user types, so a timeout, a crash or a closed tab
// never loses their work. The server validates nothing for drafts; "Save" still does.
const form = document.getElementById('section-form')
const status = document.getElementById('autosave-status')
const DELAY_MS = 2000
let timer = null
let dirty = false

const SIGNED_OUT = 'You have been signed out, so this draft cannot be saved. What you type is kept in this browser: sign in again (Save takes you there) and it will be offered back to you.'
const OFFLINE = 'This draft cannot be saved: the portal cannot be reached. What you type is kept in this browser. We will try again when you next type, or press Save.'
let signedOut = false

async function saveDraft () {
  if (!form || !dirty || signedOut) return
  dirty = false
  const data = new FormData(form)
  let response
  try {
    response = await fetch(form.dataset.autosaveUrl, {
      method: 'POST',
      body: data,
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'fetch' }
    })
  } catch (error) {
    dirty = true
    status.textContent = OFFLINE
    return
  }
  // A session that has ended answers with the sign-in page (or a refusal), not a draft.
  const json = (response.headers.get('content-type') || '').includes('application/json')
  if (response.redirected || response.status === 401 || response.status === 403 || !json) {
    signedOut = true
    status.textContent = SIGNED_OUT
    return
  }
  const body = await response.json()
  if (body.saved) {
    document.dispatchEvent(new Event('pep:server-contact')) // the session was extended
    const at = new Date(body.saved_at)
    status.textContent = `Draft saved at ${at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`
  } else {
    status.textContent = `This draft was not saved: ${body.error || 'the portal refused it'}`
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
