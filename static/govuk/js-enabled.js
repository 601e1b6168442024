// Classic (non-module) script: load with a plain <script src> as the first
// thing in <body>, so no inline script is needed under a strict CSP.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
