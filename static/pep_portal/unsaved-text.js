// What is typed in a page's forms is kept in this tab (sessionStorage, gone when the tab is
// closed), for this user and this page only, until it is saved; so a session that ends (on
// the server, or on this page's timer) loses nothing. Coming back to the page, after signing
// in again, the person is offered it back. Signing out clears all of it.
const body = document.body
const user = body.dataset.userKey
const PREFIX = 'pep-unsaved:'
const key = `${PREFIX}${user}:${window.location.pathname}`
// Kept no longer than a whole session may last.
const KEEP_FOR = 12 * 60 * 60 * 1000

function store () {
  try {
    return window.sessionStorage
  } catch (error) {
    return null
  }
}

function forms () {
  return [...document.querySelectorAll('main form')].filter(
    (form) => (form.getAttribute('method') || '').toLowerCase() === 'post' && !form.hasAttribute('data-no-keep')
  )
}

// Typed text only: never a password, a hidden value or a choice.
function boxes () {
  const found = []
  forms().forEach((form, f) => {
    const seen = {}
    for (const box of form.querySelectorAll('textarea, input')) {
      const type = (box.getAttribute('type') || 'text').toLowerCase()
      if (box.tagName === 'INPUT' && !['text', 'email', 'number', 'tel', 'search', 'url'].includes(type)) continue
      if (!box.name || box.name === 'csrfmiddlewaretoken' || box.autocomplete === 'one-time-code') continue
      seen[box.name] = (seen[box.name] || 0) + 1
      found.push([`${f}|${box.name}|${seen[box.name]}`, box])
    }
  })
  return found
}

function read () {
  const s = store()
  if (!s) return null
  try {
    const entry = JSON.parse(s.getItem(key) || 'null')
    if (entry && Date.now() - entry.at < KEEP_FOR && entry.values) return entry
  } catch (error) { /* unreadable: dropped below */ }
  s.removeItem(key)
  return null
}

function keep (submitted) {
  const s = store()
  const found = boxes()
  // No boxes left (the page cleared at the session's end): what was kept stays as it is.
  if (!s || !user || !found.length) return
  const values = {}
  let any = false
  for (const [id, box] of found) {
    if (box.value !== box.defaultValue) {
      values[id] = box.value
      any = true
    }
  }
  const before = read()
  if (!any && !(submitted && before)) {
    s.removeItem(key)
    return
  }
  try {
    s.setItem(key, JSON.stringify({ at: Date.now(), values: any ? values : before.values, submitted }))
  } catch (error) { /* full: nothing more to do */ }
}

function cameFromSigningIn () {
  try {
    return document.referrer !== '' && new URL(document.referrer).pathname.startsWith('/account/')
  } catch (error) {
    return false
  }
}

function offer (entry, differing) {
  const main = document.getElementById('main-content')
  if (!main) return
  const banner = document.createElement('div')
  banner.id = 'unsaved-text'
  banner.className = 'govuk-notification-banner'
  banner.setAttribute('role', 'region')
  banner.setAttribute('aria-labelledby', 'unsaved-text-title')
  banner.innerHTML = `
    <div class="govuk-notification-banner__header">
      <h2 class="govuk-notification-banner__title" id="unsaved-text-title">Important</h2>
    </div>
    <div class="govuk-notification-banner__content">
      <p class="govuk-notification-banner__heading">You typed something on this page that was not saved.</p>
      <p class="govuk-body">It was kept in this browser. Put it back into the form, check it, then save it.</p>
      <div class="govuk-button-group govuk-!-margin-bottom-0">
        <button type="button" class="govuk-button govuk-!-margin-bottom-0" id="unsaved-restore">Put back what I typed</button>
        <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" id="unsaved-discard">Discard it</button>
      </div>
    </div>`
  main.prepend(banner)
  document.getElementById('unsaved-restore').addEventListener('click', () => {
    let first = null
    for (const [id, box] of differing) {
      box.value = entry.values[id]
      box.dispatchEvent(new Event('input', { bubbles: true })) // autosave, character counts
      first = first || box
    }
    banner.remove()
    keep(false)
    if (first) first.focus()
  })
  document.getElementById('unsaved-discard').addEventListener('click', () => {
    const s = store()
    if (s) s.removeItem(key)
    banner.remove()
    const h1 = document.querySelector('main h1')
    if (h1) {
      h1.setAttribute('tabindex', '-1')
      h1.focus()
    }
  })
}

function clearAll () {
  const s = store()
  if (!s) return
  for (const name of Object.keys(s)) {
    if (name.startsWith(PREFIX)) s.removeItem(name)
  }
}

function start () {
  const s = store()
  if (!s || !user) return
  // Another person's text, left in this tab: never shown to this one.
  for (const name of Object.keys(s)) {
    if (name.startsWith(PREFIX) && !name.startsWith(`${PREFIX}${user}:`)) s.removeItem(name)
  }
  const entry = read()
  if (entry) {
    // Sent, and not stopped by signing in: the server has it (saved, or shown back with
    // what to correct). Otherwise offer back whatever differs from the page.
    if (entry.submitted && !cameFromSigningIn()) {
      s.removeItem(key)
    } else {
      const differing = boxes().filter(([id, box]) => id in entry.values && entry.values[id] !== box.value)
      if (differing.length) offer(entry, differing)
      else s.removeItem(key)
    }
  }
  let timer = null
  let sent = false
  document.addEventListener('input', (event) => {
    if (!event.target.form || !forms().includes(event.target.form)) return
    clearTimeout(timer)
    timer = setTimeout(() => keep(false), 300)
  })
  document.addEventListener('submit', (event) => {
    if (event.target.closest && event.target.closest('form.app-sign-out')) {
      clearAll()
      return
    }
    if (forms().includes(event.target)) {
      clearTimeout(timer)
      sent = true
      keep(true)
    }
  })
  document.addEventListener('pep:session-ended', () => { clearTimeout(timer); keep(false) })
  window.addEventListener('pagehide', () => {
    clearTimeout(timer)
    if (!sent) keep(false)
  })
}

start()
