// The session's end, as the person sees it (GOV.UK's "timeout warning" pattern, without a
// modal): a warning some minutes before, which takes focus and gives it back after "Stay
// signed in"; at the end, the page is cleared (no child's details left on screen) and says
// so, with a way back that keeps what was typed (unsaved-text.js).
//
// Every request to the server extends the session (at most once a minute for a page load:
// SessionIdleRefreshMiddleware): a page load, an autosave, "Stay signed in". Each tells the
// others through localStorage ("pep-session-contact": a time, nothing else), so the timer
// follows activity in every tab. Before clearing the page, it asks the server how long the
// session really has left (a question that does not extend it): a download, a window of
// another browser, or this computer's clock jumping forward can make this page's count wrong.
const body = document.body
const seconds = Number(body.dataset.sessionSeconds || 0)
const keepAliveUrl = body.dataset.keepAliveUrl
const sessionUrl = body.dataset.sessionUrl
const signInUrl = body.dataset.signInUrl || '/account/sign-in/'
// Five minutes' warning; less for a short session (a test's), never more than a third of it.
const WARN_BEFORE = Math.min(5 * 60, Math.floor(seconds / 3)) * 1000
// The server counts from when it answered, a moment before this page knew: end a bit early.
const MARGIN = Math.min(5, seconds / 10) * 1000
const CONTACT_KEY = 'pep-session-contact'
const CHECK_EVERY = 1000

let lastContact = Date.now()
let returnFocusTo = null
let ended = false
let asking = false

function csrfToken () {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)
  return match ? decodeURIComponent(match[1]) : ''
}

function shared () {
  try {
    return Number(window.localStorage.getItem(CONTACT_KEY) || 0)
  } catch (error) {
    return 0
  }
}

function contacted (at = Date.now()) {
  lastContact = Math.max(at, lastContact)
  try {
    window.localStorage.setItem(CONTACT_KEY, String(lastContact))
  } catch (error) { /* private mode: this tab's own timer still works */ }
}

function minutes (ms) {
  const n = Math.max(1, Math.round(ms / 60000))
  return n === 1 ? '1 minute' : `${n} minutes`
}

function hideWarning () {
  const banner = document.getElementById('session-warning')
  if (!banner) return
  const hadFocus = banner.contains(document.activeElement)
  banner.remove()
  if (hadFocus) giveFocusBack()
}

function giveFocusBack () {
  const target = returnFocusTo && returnFocusTo.isConnected ? returnFocusTo : document.querySelector('main h1')
  returnFocusTo = null
  if (!target) return
  if (target.tagName === 'H1' && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
  target.focus()
}

function showWarning (left) {
  if (document.getElementById('session-warning')) return
  document.dispatchEvent(new Event('pep:session-ending'))
  const main = document.getElementById('main-content')
  if (!main) return
  const active = document.activeElement
  returnFocusTo = active && active !== body ? active : null
  const banner = document.createElement('div')
  banner.id = 'session-warning'
  banner.className = 'govuk-notification-banner'
  banner.setAttribute('role', 'region')
  banner.setAttribute('aria-labelledby', 'session-warning-title')
  banner.setAttribute('tabindex', '-1')
  banner.innerHTML = `
    <div class="govuk-notification-banner__header">
      <h2 class="govuk-notification-banner__title" id="session-warning-title">You will be signed out soon</h2>
    </div>
    <div class="govuk-notification-banner__content">
      <p class="govuk-notification-banner__heading">To protect children's information, you will be signed out in ${minutes(left)} if you do nothing.</p>
      <p class="govuk-body">What you have typed on this page is kept in this browser until you sign out.</p>
      <button type="button" class="govuk-button govuk-!-margin-bottom-0" id="stay-signed-in">Stay signed in</button>
    </div>`
  main.prepend(banner)
  banner.focus()
  document.getElementById('stay-signed-in').addEventListener('click', staySignedIn)
}

async function staySignedIn () {
  let response = null
  try {
    response = await fetch(keepAliveUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrfToken() }
    })
  } catch (error) {
    response = null
  }
  if (response && response.ok && !response.redirected) {
    contacted()
    hideWarning()
    return
  }
  if (response && response.redirected) {
    end() // the server had already ended it
    return
  }
  const banner = document.getElementById('session-warning')
  if (banner && !document.getElementById('stay-signed-in-failed')) {
    const p = document.createElement('p')
    p.id = 'stay-signed-in-failed'
    p.className = 'govuk-body govuk-!-font-weight-bold govuk-!-margin-top-4'
    p.textContent = 'We could not reach the portal to keep you signed in. Check your connection and try again.'
    banner.querySelector('.govuk-notification-banner__content').append(p)
  }
}

function end () {
  if (ended) return
  ended = true
  // unsaved-text.js keeps what was typed before the page is cleared.
  document.dispatchEvent(new Event('pep:session-ended'))
  const main = document.getElementById('main-content')
  const container = main ? main.parentElement : null
  const next = window.location.pathname + window.location.search
  const page = document.createElement('main')
  page.className = 'govuk-main-wrapper'
  page.id = 'main-content'
  page.setAttribute('role', 'main')
  const h1 = document.createElement('h1')
  h1.className = 'govuk-heading-l'
  h1.id = 'signed-out'
  h1.setAttribute('tabindex', '-1')
  h1.textContent = 'You have been signed out'
  const why = document.createElement('p')
  why.className = 'govuk-body'
  why.textContent = `You were signed out because you did nothing for ${minutes(seconds * 1000)}. This protects children's information.`
  const kept = document.createElement('p')
  kept.className = 'govuk-body'
  kept.textContent = 'Anything you typed on this page and had not saved is kept in this browser. Sign in again to get it back.'
  const link = document.createElement('a')
  link.className = 'govuk-button'
  link.setAttribute('role', 'button')
  link.href = `${signInUrl}?next=${encodeURIComponent(next)}`
  link.textContent = 'Sign in again'
  page.append(h1, why, kept, link)
  if (container) container.replaceChildren(page)
  // The menu shows no child's details, but it no longer works: hide it too.
  for (const nav of document.querySelectorAll('.govuk-service-navigation')) nav.remove()
  // The title named the child too: it keeps only the service's name (the last part).
  document.title = `You have been signed out – ${document.title.split(' – ').pop()}`
  h1.focus()
}

// The server's own count, in seconds (0 signed out, or when it cannot be asked: the page is
// cleared rather than left showing a child's details).
async function serverSecondsLeft () {
  if (!sessionUrl) return 0
  try {
    const response = await fetch(sessionUrl, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' }
    })
    if (!response.ok || response.redirected) return 0
    const answer = await response.json()
    return Math.max(0, Number(answer.seconds_left) || 0)
  } catch (error) {
    return 0
  }
}

async function endUnlessServerDisagrees () {
  asking = true
  const left = await serverSecondsLeft()
  asking = false
  if (ended) return
  if (left * 1000 > MARGIN + CHECK_EVERY) {
    // Still signed in on the server: count from its answer (as if contacted then).
    contacted(Date.now() + left * 1000 - seconds * 1000)
    check()
  } else {
    end()
  }
}

function check () {
  if (ended || asking) return
  lastContact = Math.max(lastContact, shared())
  const endsAt = lastContact + seconds * 1000 - MARGIN
  const now = Date.now()
  if (now >= endsAt) {
    endUnlessServerDisagrees()
  } else if (now >= endsAt - WARN_BEFORE) {
    showWarning(endsAt - now)
  } else {
    hideWarning() // another tab, or an autosave, kept the session going
  }
}

if (seconds > 0 && keepAliveUrl) {
  contacted() // this page's own request
  document.addEventListener('pep:server-contact', () => { contacted(); check() })
  window.setInterval(check, CHECK_EVERY)
}
