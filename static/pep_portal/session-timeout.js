// Warns five minutes before the session times out and lets the user stay signed in; drafts
// are saved at the warning (see autosave.js), so even an ignored warning loses nothing.
const body = document.body
const seconds = Number(body.dataset.sessionSeconds || 0)
const keepAliveUrl = body.dataset.keepAliveUrl
const WARN_BEFORE = 5 * 60

function csrfToken () {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)
  return match ? decodeURIComponent(match[1]) : ''
}

function showWarning () {
  document.dispatchEvent(new Event('pep:session-ending'))
  if (document.getElementById('session-warning')) return
  const main = document.getElementById('main-content')
  const banner = document.createElement('div')
  banner.id = 'session-warning'
  banner.className = 'govuk-notification-banner'
  banner.setAttribute('role', 'alert')
  banner.innerHTML = `
    <div class="govuk-notification-banner__header">
      <h2 class="govuk-notification-banner__title">Important</h2>
    </div>
    <div class="govuk-notification-banner__content">
      <p class="govuk-notification-banner__heading">You will be signed out in 5 minutes to protect children's information. Anything you were typing has been saved as a draft.</p>
      <button type="button" class="govuk-button govuk-!-margin-bottom-0" id="stay-signed-in">Stay signed in</button>
    </div>`
  main.prepend(banner)
  document.getElementById('stay-signed-in').addEventListener('click', async () => {
    await fetch(keepAliveUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrfToken() }
    })
    banner.remove()
    schedule()
  })
}

let timer = null
function schedule () {
  clearTimeout(timer)
  timer = setTimeout(showWarning, Math.max(seconds - WARN_BEFORE, 10) * 1000)
}

if (seconds > 0 && keepAliveUrl) schedule()
