// An application page that mounts one of Clerk's prebuilt components
// (@clerk/ui's browser bundle with @clerk/clerk-js, both served from this
// server, never from a CDN) against the Vestibule server that serves it.
// The query string may name:
//   ?mount=sign-in|sign-up   the component (sign-in when absent)
//   &pk=<publishable key>     else the production key of this origin
//   &after=<URL>              where the component sends a finished sign-in
// The page sets `window.__clerkUiMounted` once the component is mounted and
// `window.__clerkUiFailed` (with the reason) if anything failed to load.
(function () {
  var params = new URLSearchParams(window.location.search);
  var pk = params.get('pk') || 'pk_live_' + btoa(window.location.host + '$').replace(/=+$/, '');
  var after = params.get('after') || window.location.origin + '/';
  // Clerk's components send a session between tasks to the application's
  // sign-in (or sign-up) URL: this very page, mounting the same component.
  function pageWith(component) {
    var url = new URL(window.location.href);
    url.hash = '';
    url.searchParams.set('mount', component);
    return url.href;
  }

  function script(src, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement('script');
      element.src = src;
      Object.keys(attributes || {}).forEach(function (name) {
        element.setAttribute(name, attributes[name]);
      });
      element.onload = resolve;
      element.onerror = function () { reject(new Error('cannot load ' + src)); };
      document.head.appendChild(element);
    });
  }

  Promise.all([
    script('clerk-ui/ui.browser.js'),
    script('clerk-js/clerk.browser.js', {
      'data-clerk-publishable-key': pk,
      'data-clerk-proxy-url': window.location.origin,
    }),
  ])
    .then(function () {
      return window.Clerk.load({
        telemetry: false,
        ui: { ClerkUI: window.__internal_ClerkUICtor },
        signInUrl: pageWith('sign-in'),
        signUpUrl: pageWith('sign-up'),
        signInFallbackRedirectUrl: after,
        signUpFallbackRedirectUrl: after,
      });
    })
    .then(function () {
      var node = document.getElementById('clerk-ui');
      if (params.get('mount') === 'sign-up') {
        window.Clerk.mountSignUp(node, { routing: 'hash' });
      } else {
        window.Clerk.mountSignIn(node, { routing: 'hash' });
      }
      window.__clerkUiMounted = true;
    })
    .catch(function (error) {
      window.__clerkUiFailed = String(error && error.stack || error);
    });
})();
