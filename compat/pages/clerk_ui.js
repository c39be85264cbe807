// An application page that mounts one of Clerk's prebuilt components
// (@clerk/ui's browser bundle with @clerk/clerk-js, both served from this
// server, never from a CDN) against the Vestibule server that serves it.
// The query string may name:
//   ?mount=sign-in|sign-up|task-choose-organization|task-reset-password|
//          task-setup-mfa     the component (sign-in when absent); a task
//                             component ends on `after`
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
      var clerk = window.Clerk;
      var mounts = {
        'sign-in': function (node) { clerk.mountSignIn(node, { routing: 'hash' }); },
        'sign-up': function (node) { clerk.mountSignUp(node, { routing: 'hash' }); },
        'task-choose-organization': function (node) { clerk.mountTaskChooseOrganization(node, { redirectUrlComplete: after }); },
        'task-reset-password': function (node) { clerk.mountTaskResetPassword(node, { redirectUrlComplete: after }); },
        'task-setup-mfa': function (node) { clerk.mountTaskSetupMFA(node, { redirectUrlComplete: after }); },
      };
      var mount = mounts[params.get('mount') || 'sign-in'];
      if (!mount) throw new Error('no component ' + params.get('mount'));
      mount(document.getElementById('clerk-ui'));
      window.__clerkUiMounted = true;
    })
    .catch(function (error) {
      window.__clerkUiFailed = String(error && error.stack || error);
    });
})();
