// An application page that uses @clerk/clerk-js the way a real one does:
// the SDK's script tag carries the publishable key and the proxy URL, and
// the test drives `window.Clerk` itself. The query string names them:
//   ?pk=<publishable key>&proxy=<server origin>&clerk=<clerk.browser.js URL>
(function () {
  var params = new URLSearchParams(window.location.search);
  var script = document.createElement('script');
  script.src = params.get('clerk') || '/compat/clerk-js/clerk.browser.js';
  script.setAttribute('data-clerk-publishable-key', params.get('pk') || '');
  script.setAttribute('data-clerk-proxy-url', params.get('proxy') || window.location.origin);
  script.onload = function () {
    document.getElementById('status').textContent = 'sdk-loaded';
    window.__compatSdkLoaded = true;
  };
  script.onerror = function () {
    document.getElementById('status').textContent = 'sdk-failed';
    window.__compatSdkFailed = true;
  };
  document.head.appendChild(script);
})();
