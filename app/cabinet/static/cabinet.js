// In the Mini App: theme from Telegram, and on the sign-in page the initData posted to sign in.
(function () {
  "use strict";
  var tg = window.Telegram && window.Telegram.WebApp;
  if (tg) {
    tg.ready();
    tg.expand();
  }
  var signin = document.getElementById("signin");
  if (!signin || !tg || !tg.initData) {
    return;
  }
  var body = new URLSearchParams({ init_data: tg.initData });
  fetch(signin.dataset.login, { method: "POST", body: body, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (answer) {
      if (answer.ok) {
        window.location.replace(answer.next);
      } else {
        document.getElementById("signin-error").hidden = false;
      }
    })
    .catch(function () { document.getElementById("signin-error").hidden = false; });
})();
